module hafollower

go 1.19

require jwtgate v0.0.0

replace jwtgate => ../../../go
