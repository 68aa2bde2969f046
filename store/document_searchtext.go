package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// bucketDocSearchText holds each archived PDF's extracted text, per page,
// for full-text search (package docsearch): hex sha256 → gzip of a JSON
// array of page strings. It is written when a PDF is archived, from the
// same moa.Read; being derived from the archived bytes, a search fills it
// for PDFs archived before it existed, and writing it does not bump the
// data version (no answer changes). The bucket is
// created by the first write, so an older store needs no migration.
var bucketDocSearchText = []byte("doc_search_text")

// maxSearchTextBytes caps one document's stored text, decompressed: the
// shared sample's largest is about 60 KB.
const maxSearchTextBytes = 16 << 20

// PutDocumentSearchText stores the per-page text of the archived PDF sha
// (page 1 is pages[0]). It refuses a sha that is not archived. The archive
// stores it itself when it archives a PDF (putDocument); this is for a
// PDF archived before the store kept text, read again by the search.
func (s *Store) PutDocumentSearchText(ctx context.Context, sha string, pages []string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: put document search text: %w", err)
	}
	z, err := searchTextValue(pages)
	if err != nil {
		return fmt.Errorf("store: put document search text %s: %w", sha, err)
	}
	return s.update("put document search text "+sha, func(tx *bolt.Tx) error {
		info := tx.Bucket(bucketDocInfo)
		if info == nil || info.Get([]byte(sha)) == nil {
			return fmt.Errorf("document %s: %w", sha, ErrNotFound)
		}
		b, err := tx.CreateBucketIfNotExists(bucketDocSearchText)
		if err != nil {
			return err
		}
		return b.Put([]byte(sha), z)
	})
}

// putSearchText stores a newly archived PDF's text in tx. Text over the
// cap is not stored (the search then reads the PDF again): an archived
// document is never refused for its text.
func putSearchText(tx *bolt.Tx, sha string, pages []string) error {
	z, err := searchTextValue(pages)
	if err != nil {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists(bucketDocSearchText)
	if err != nil {
		return err
	}
	return b.Put([]byte(sha), z)
}

// searchTextValue is the stored form of pages: gzip of their JSON.
func searchTextValue(pages []string) ([]byte, error) {
	raw, err := json.Marshal(pages)
	if err != nil {
		return nil, err
	}
	if len(raw) > maxSearchTextBytes {
		return nil, fmt.Errorf("%d bytes of text, over the %d cap", len(raw), maxSearchTextBytes)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DocumentSearchText returns the stored per-page text of sha, and false
// when none is stored yet (the caller extracts it from the PDF and may
// store it with PutDocumentSearchText).
func (s *Store) DocumentSearchText(ctx context.Context, sha string) ([]string, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("store: document search text: %w", err)
	}
	var z []byte
	err := s.view("document search text "+sha, func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketDocSearchText); b != nil {
			if v := b.Get([]byte(sha)); v != nil {
				z = bytes.Clone(v)
			}
		}
		return nil
	})
	if err != nil || z == nil {
		return nil, false, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, false, fmt.Errorf("store: document search text %s: %w: %w", sha, ErrCorrupt, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxSearchTextBytes+1))
	if err != nil {
		return nil, false, fmt.Errorf("store: document search text %s: %w: %w", sha, ErrCorrupt, err)
	}
	if len(raw) > maxSearchTextBytes {
		return nil, false, fmt.Errorf("store: document search text %s: %w: over the %d byte cap", sha, ErrCorrupt, maxSearchTextBytes)
	}
	var pages []string
	if err := json.Unmarshal(raw, &pages); err != nil {
		return nil, false, fmt.Errorf("store: document search text %s: %w: %w", sha, ErrCorrupt, err)
	}
	return pages, true, nil
}
