package sheet

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/watch287g/watch287g/xlsx"
)

// Errors the reader returns for files it refuses. Callers test with errors.Is.
var (
	// ErrNotXLSX means the bytes are not an xlsx workbook (an HTML block
	// page, a truncated or corrupt zip).
	ErrNotXLSX = xlsx.ErrNotXLSX
	// ErrNoHeader means no worksheet has a header row the reader recognises.
	ErrNoHeader = errors.New("no recognisable header")
	// ErrTooLarge means the file, or its uncompressed content, is over a
	// cap; the error is then a *LimitError naming the cap.
	ErrTooLarge = xlsx.ErrTooLarge
)

// LimitError names the cap a refused file hit ("cells", "rows", "shared
// strings", …) and its value; it wraps ErrTooLarge. Test with errors.As.
type LimitError = xlsx.LimitError

// Default caps on what the reader accepts; see Reader.
const (
	// DefaultMaxFileSize caps the file as downloaded (compressed).
	DefaultMaxFileSize = xlsx.DefaultMaxFileSize
	// DefaultMaxPartSize caps one part's uncompressed size.
	DefaultMaxPartSize = xlsx.DefaultMaxPartSize
	// DefaultMaxTotalSize caps the archive's total uncompressed size.
	DefaultMaxTotalSize = xlsx.DefaultMaxTotalSize
	// DefaultMaxRatio caps the archive's compression ratio (zip bombs).
	DefaultMaxRatio = xlsx.DefaultMaxRatio
	// DefaultMaxRows caps a worksheet's rows, empty ones included.
	DefaultMaxRows = xlsx.DefaultMaxRows
	// DefaultMaxCells caps a worksheet's cell elements, empty ones included.
	DefaultMaxCells = xlsx.DefaultMaxCells
	// DefaultMaxColumns caps the highest column a cell may name.
	DefaultMaxColumns = xlsx.DefaultMaxColumns
	// DefaultMaxHyperlinks caps a worksheet's hyperlinks.
	DefaultMaxHyperlinks = xlsx.DefaultMaxHyperlinks
	// DefaultMaxSheets caps the worksheets a workbook lists.
	DefaultMaxSheets = xlsx.DefaultMaxSheets
	// DefaultMaxSharedStrings caps the shared string table's items.
	DefaultMaxSharedStrings = xlsx.DefaultMaxSharedStrings
	// DefaultMaxSharedStringBytes caps the shared strings' decoded text.
	DefaultMaxSharedStringBytes = xlsx.DefaultMaxSharedStringBytes
)

// headerScanRows is how many rows of each sheet are searched for the
// header. ICE's header has always been row 1; a title block above it would
// take a few rows, never dozens.
const headerScanRows = 30

// File is one parsed spreadsheet.
type File struct {
	List     List      `json:"list"`
	Sheet    string    `json:"sheet"`
	Header   []string  `json:"header"`
	Records  []Record  `json:"records"`
	Warnings []Warning `json:"warnings"`
}

// Reader reads ICE spreadsheets with configurable caps: the xlsx reader's
// Limits, one declaration of them. The zero value uses the defaults
// (DefaultMaxFileSize and friends); a zero field takes its default.
type Reader xlsx.Limits

// Parse reads an ICE spreadsheet held in memory with the default caps. It
// is ParseContext without a deadline.
func Parse(b []byte) (*File, error) {
	return Reader{}.ParseContext(context.Background(), b)
}

// ParseContext reads an ICE spreadsheet held in memory with the default
// caps, giving up with ctx's error (wrapped) soon after ctx is done.
func ParseContext(ctx context.Context, b []byte) (*File, error) {
	return Reader{}.ParseContext(ctx, b)
}

// Sniff reports whether b is an xlsx workbook within the default caps,
// without reading its rows: the cheap check a downloader makes before it
// accepts a response as a list. It returns ErrNotXLSX or ErrTooLarge.
func Sniff(b []byte) error {
	_, err := xlsx.Open(b, xlsx.Limits{})
	if err != nil {
		return err // already says "xlsx: …"
	}
	return nil
}

func (r Reader) limits() xlsx.Limits { return xlsx.Limits(r) }

// Parse reads an ICE spreadsheet held in memory; see ParseContext.
func (r Reader) Parse(b []byte) (*File, error) {
	return r.ParseContext(context.Background(), b)
}

// ParseContext reads an ICE spreadsheet held in memory. It picks the first
// worksheet with a recognisable header, decides the list from its columns
// and returns one Record per row with a non-blank agency. It gives up with
// ctx's error (wrapped) soon after ctx is done.
func (r Reader) ParseContext(ctx context.Context, b []byte) (*File, error) {
	wb, err := xlsx.OpenContext(ctx, b, r.limits())
	if err != nil {
		return nil, err // already says "xlsx: …"
	}
	var firstErr error
	for i, info := range wb.Sheets {
		sh, err := wb.SheetContext(ctx, i)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("read %s: %w", info.Name, ctxErr)
		}
		var le *LimitError
		if errors.As(err, &le) {
			// A sheet over a cap costs too much to read, whatever else
			// the workbook holds: refuse the file, naming the cap.
			return nil, err
		}
		if err != nil {
			// A broken extra sheet must not hide a good list; a broken
			// list sheet is reported if nothing else is found.
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		hdrIdx, cols, ok := findHeader(sh)
		if !ok {
			sh.Release()
			continue
		}
		m := takeMemos()
		f, err := readRecords(ctx, sh, hdrIdx, cols, wb.Date1904, m)
		keepMemos(m)
		// The records keep strings of the cells, never the cells.
		sh.Release()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", info.Name, err)
		}
		f.Sheet = info.Name
		return f, nil
	}
	if firstErr != nil {
		return nil, firstErr
	}
	names := make([]string, len(wb.Sheets))
	for i, s := range wb.Sheets {
		names[i] = s.Name
	}
	return nil, fmt.Errorf("sheets %s: %w", strings.Join(names, ", "), ErrNoHeader)
}
