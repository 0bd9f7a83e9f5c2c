module jwtgate

go 1.19
