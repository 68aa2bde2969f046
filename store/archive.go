package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// chunkSize keeps each piece of an archived file, with its key (hex sha256
// and a 4-byte index) and bbolt's headers, within one 4 KiB page. A file
// stored as one value needs a contiguous run of overflow pages, which only
// the end of the database file can offer, while every commit frees single
// pages through copy-on-write: stored whole, files pushed the database to
// 1.5× their size in holes. In page-sized pieces they fill the holes. The
// pieces share one bucket (not a sub-bucket per file) so they also share
// branch pages.
const chunkSize = 3990

// putFile archives body under sha as page-sized chunks keyed sha+index. It
// is called only for a sha not yet archived: archived bytes are never
// rewritten. An empty body is one empty chunk, so it still counts as archived.
func putFile(files *bolt.Bucket, sha string, body []byte) error {
	for i := 0; i == 0 || i*chunkSize < len(body); i++ {
		end := min((i+1)*chunkSize, len(body))
		if err := files.Put(chunkKey(sha, i), body[i*chunkSize:end]); err != nil {
			return fmt.Errorf("archive %s: %w", sha, err)
		}
	}
	return nil
}

// getFile returns a copy of the archived bytes of sha, or false.
func getFile(files *bolt.Bucket, sha string) ([]byte, bool) {
	prefix := []byte(sha)
	c := files.Cursor()
	var body []byte
	for k, v := c.Seek(chunkKey(sha, 0)); k != nil && len(k) == len(prefix)+4 && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		body = append(body, v...)
	}
	return body, body != nil
}

// hasFile reports whether sha is archived.
func hasFile(files *bolt.Bucket, sha string) bool {
	return files.Get(chunkKey(sha, 0)) != nil
}

// forEachFile calls fn with every archived file, in sha order.
func forEachFile(files *bolt.Bucket, fn func(sha string, body []byte) error) error {
	c := files.Cursor()
	var sha string
	var body []byte
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) < 4 {
			continue
		}
		s := string(k[:len(k)-4])
		if s != sha && sha != "" {
			if err := fn(sha, body); err != nil {
				return err
			}
			body = nil
		}
		sha = s
		body = append(body, v...)
	}
	if sha != "" {
		return fn(sha, body)
	}
	return nil
}

func chunkKey(sha string, i int) []byte {
	return binary.BigEndian.AppendUint32([]byte(sha), uint32(i))
}

// HasFile reports whether bytes with this sha256 (hex) are archived, so a
// backfill can skip reading files it already holds.
func (s *Store) HasFile(ctx context.Context, sha string) (bool, error) {
	var ok bool
	err := s.view("has file "+sha, func(tx *bolt.Tx) error {
		ok = hasFile(tx.Bucket(bucketFiles), sha)
		return nil
	})
	return ok, err
}
