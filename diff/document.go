package diff

import "net/http"

// DocumentRef says which document a document_* change is about: the
// address an agreement links, whether it is the MOA or the addendum, and
// the bytes before and after (hex sha256, kept by the store's document
// archive).
type DocumentRef struct {
	URL            string `json:"url"`
	Role           string `json:"role"` // DocumentMOA or DocumentAddendum
	SHA256         string `json:"sha256,omitempty"`
	PreviousSHA256 string `json:"previous_sha256,omitempty"`
	// HTTPStatus is the answer that made the change (404 or 410 for
	// document_gone).
	HTTPStatus int `json:"http_status,omitempty"`
}

// Document roles: which column of the list linked the document.
const (
	DocumentMOA      = "moa"
	DocumentAddendum = "addendum"
)

// DocumentState is what the archive knew about one address before a fetch:
// the bytes last archived from it ("" when none yet) and whether it was
// answering 404 or 410.
type DocumentState struct {
	SHA256 string
	Gone   bool
}

// DocumentFetch is one fetch's answer that the rule can use: the HTTP
// status (200, 304, 404, 410) and, for a 200 whose body was accepted as a
// PDF, its sha256. Failed fetches (an HTML page, a truncated file, 5xx,
// network errors) never reach the rule: they change nothing.
type DocumentFetch struct {
	Status int
	SHA256 string
}

// DocumentKind decides which change, if any, a fetch of an address makes.
// A link that was dead from its first fetch makes none (nothing archived
// was lost); a 304 only says "as before", so it is a return only for a
// document that had gone; new bytes after a 404 are a return (the change
// carries both digests), not a replacement.
func DocumentKind(prev DocumentState, got DocumentFetch) (Kind, bool) {
	switch got.Status {
	case http.StatusOK:
		switch {
		case got.SHA256 == "":
			return "", false
		case prev.SHA256 == "":
			return DocumentAdded, true
		case prev.Gone:
			return DocumentBack, true
		case got.SHA256 != prev.SHA256:
			return DocumentReplaced, true
		}
	case http.StatusNotModified:
		if prev.Gone && prev.SHA256 != "" {
			return DocumentBack, true
		}
	case http.StatusNotFound, http.StatusGone:
		if prev.SHA256 != "" && !prev.Gone {
			return DocumentGone, true
		}
	}
	return "", false
}
