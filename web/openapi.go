package web

import (
	_ "embed"
	"net/http"
)

// openAPI describes /api/v1; a test checks it lists every API route.
//
//go:embed openapi.json
var openAPI []byte

// apiOpenAPI serves GET /api/v1/openapi.json.
func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	setCORS(w.Header())
	s.write(w, r, &response{status: http.StatusOK, contentType: "application/json", body: openAPI}, `"openapi-1"`)
}
