package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/store"
)

// documentsTSVHeader is documents.tsv: one row per linked address, with the
// file its last archived PDF (or the Wayback Machine's copy of a link dead
// before any was archived) was written to.
var documentsTSVHeader = []string{"file", "url", "role", "status", "agreements", "sha256", "size", "pages", "has_text",
	"versions", "first_linked", "last_seen", "last_check", "http_status", "wayback_timestamp", "wayback_playback_url",
	"lea", "lea_page", "model", "model_page", "revision", "revision_page", "contradictions"}

// exportDocuments writes every archived PDF, byte for byte, as
// documents/<sha256>.pdf (one file per distinct PDF, whatever links it)
// and documents.tsv. An archive never fetched writes nothing.
func exportDocuments(ctx context.Context, st *store.Store, out string) (int, error) {
	files, err := st.DocumentFiles(ctx)
	if err != nil {
		return 0, err
	}
	urls, err := st.DocumentURLs(ctx)
	if err != nil {
		return 0, err
	}
	if len(files) == 0 && len(urls) == 0 {
		return 0, nil
	}
	dir := filepath.Join(out, "documents")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		_, body, err := st.Document(ctx, f.SHA256)
		if err != nil {
			return 0, fmt.Errorf("document %s: %w", f.SHA256, err)
		}
		// The name is the hex digest: nothing from outside reaches the path.
		if err := os.WriteFile(filepath.Join(dir, f.SHA256+".pdf"), body, 0o644); err != nil {
			return 0, err
		}
	}
	info := make(map[string]store.DocumentFile, len(files))
	for _, f := range files {
		info[f.SHA256] = f
	}
	rows := make([][]string, 0, len(urls))
	for _, u := range urls {
		sha := u.SHA256
		var wbTS, wbURL string
		if u.Wayback != nil {
			wbTS, wbURL = u.Wayback.Timestamp, escape.RedactURL(u.Wayback.PlaybackURL)
			if sha == "" {
				sha = u.Wayback.SHA256
			}
		}
		file, size, pages, text := "", "", "", ""
		fields := documentFieldCells(store.DocumentFile{}, nil) // export_documents_fields.go
		if f, ok := info[sha]; ok && sha != "" {
			file = "documents/" + sha + ".pdf"
			size, pages, text = strconv.FormatInt(f.Size, 10), strconv.Itoa(f.Pages), strconv.FormatBool(f.HasText)
			fields = documentFieldCells(f, u.Contradictions)
		}
		rows = append(rows, append([]string{file, escape.RedactURL(u.URL), u.Role, u.Status, strings.Join(u.Agreements, " "), sha, size, pages, text,
			strconv.Itoa(len(u.Versions)), timeCell(u.FirstLinked), timeCell(u.LastSeen), timeCell(u.LastCheck),
			strconv.Itoa(u.HTTPStatus), wbTS, wbURL}, fields...))
	}
	if err := writeTSV(filepath.Join(out, "documents.tsv"), documentsTSVHeader, rows); err != nil {
		return 0, err
	}
	return len(files), nil
}
