package jwtgate

// StartProvider lets the external tests (package jwtgate_test) start the
// local identity provider of keysource_test.go.
var StartProvider = startProvider
