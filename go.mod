module github.com/orderbridge/orderbridge

go 1.26.0

require (
	github.com/getkin/kin-openapi v0.153.0 // indirect
	golang.org/x/oauth2 v0.38.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
)
