package worker_test

import "net/http"

// testHTTP is the HTTP client of this package's tests. It has a transport
// of its own: httptest.Server.Close closes the idle connections of
// http.DefaultTransport, which breaks a request that another parallel test
// is just sending on one of them ("CloseIdleConnections called").
var testHTTP = &http.Client{Transport: &http.Transport{}}
