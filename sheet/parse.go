package sheet

import (
	"errors"
)

// Errors the reader returns for files it refuses. Callers test with errors.Is.
var (
	// ErrNotXLSX means the bytes are not an xlsx workbook (an HTML block
	// page, a truncated or corrupt zip).
	ErrNotXLSX = errors.New("not an xlsx workbook")
	// ErrNoHeader means no worksheet has a header row the reader recognises.
	ErrNoHeader = errors.New("no recognisable header")
	// ErrTooLarge means the file, or its uncompressed content, is over a cap.
	ErrTooLarge = errors.New("file too large")
)

// File is one parsed spreadsheet.
type File struct {
	List     List      `json:"list"`
	Sheet    string    `json:"sheet"`
	Header   []string  `json:"header"`
	Records  []Record  `json:"records"`
	Warnings []Warning `json:"warnings"`
}

// Parse reads an ICE spreadsheet held in memory.
// TODO(sheet helper): implement.
func Parse(b []byte) (*File, error) {
	return nil, ErrNotXLSX
}
