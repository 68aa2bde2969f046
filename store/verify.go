package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
)

// BadRecord is a stored record that cannot be read: its bucket, its key
// (printable: a number, an id or hex) and what is wrong with it.
type BadRecord struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	Error  string `json:"error"`
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	// Files are archived files whose bytes no longer match their sha256.
	Files []Mismatch `json:"files"`
	// Records are records that do not decode or point at nothing.
	Records []BadRecord `json:"records"`
	// Checked counts the records read per bucket (files: per file).
	Checked map[string]int `json:"checked"`
}

// OK reports whether nothing was found wrong.
func (r *VerifyReport) OK() bool { return len(r.Files) == 0 && len(r.Records) == 0 }

// Verify re-hashes every archived file and decodes every record it can
// (snapshots, agreements, changes and their index, current agreements,
// agreement ids, checks, validators, deliveries and their due index,
// digests), reporting each that does not read. A bit flipped inside a
// record is found when it breaks the record's encoding (compressed records
// almost always, plain JSON often); bbolt keeps no per-record checksum.
// The error is for the store as a whole (unreadable, cancelled).
func (s *Store) Verify(ctx context.Context) (*VerifyReport, error) {
	rep := &VerifyReport{Files: []Mismatch{}, Records: []BadRecord{}, Checked: map[string]int{}}
	err := s.view("verify", func(tx *bolt.Tx) error {
		n := 0
		tick := func() error {
			if n++; n%ctxEvery == 0 {
				return ctx.Err()
			}
			return nil
		}
		bad := func(b []byte, key string, err error) {
			rep.Records = append(rep.Records, BadRecord{Bucket: string(b), Key: key, Error: err.Error()})
		}
		if err := verifyFiles(ctx, tx, bucketFiles, rep); err != nil {
			return err
		}
		if err := verifyDocuments(ctx, tx, rep); err != nil {
			return err
		}
		// decoders: each bucket's records and what must hold of them.
		snapshots := tx.Bucket(bucketSnapshots)
		changes := tx.Bucket(bucketChanges)
		outbox := tx.Bucket(bucketOutbox)
		checks := []struct {
			bucket []byte
			key    func(k []byte) string
			check  func(k, v []byte) error
		}{
			{bucketSnapshots, seqKey, func(k, v []byte) error { var x Snapshot; return decodeKeyed(k, v, &x) }},
			{bucketAgreements, strKey, func(_, v []byte) error { var x AgreementInfo; return decodeJSON(v, &x) }},
			{bucketChanges, seqKey, func(k, v []byte) error { var x changeRec; return decodeKeyed(k, v, &x) }},
			{bucketCurrent, strKey, func(_, v []byte) error {
				var x current
				if err := decodeCurrent(v, &x); err != nil {
					return err
				}
				return exists(snapshots, be64(x.SnapshotID), "snapshot")
			}},
			{bucketSnapshotIDs, seqKey, func(k, v []byte) error {
				if len(v) == 0 {
					return errors.New("empty")
				}
				switch v[0] {
				case idsJSON:
					var x []diff.Agreement
					return decodeJSON(v[1:], &x)
				case idsPacked, idsByRow:
					_, err := decodeIDs(v)
					return err
				}
				return fmt.Errorf("unknown format %d", v[0])
			}},
			{bucketSHAs, strKey, func(_, v []byte) error {
				if len(v) != 8 {
					return fmt.Errorf("value of %d bytes, want 8", len(v))
				}
				return exists(snapshots, v, "snapshot")
			}},
			{bucketAgrChanges, hexKey, func(k, _ []byte) error {
				if len(k) < 9 || k[len(k)-9] != 0 {
					return errors.New("malformed key")
				}
				return exists(changes, k[len(k)-8:], "change")
			}},
			{bucketChecks, hexKey, func(_, v []byte) error { var x Check; return decodeJSON(v, &x) }},
			{bucketValidators, strKey, func(_, v []byte) error { var x Validator; return decodeJSON(v, &x) }},
			{bucketOutbox, seqKey, func(k, v []byte) error { var x Delivery; return decodeKeyed(k, v, &x) }},
			{bucketDue, hexKey, func(k, _ []byte) error {
				if len(k) != 16 {
					return fmt.Errorf("key of %d bytes, want 16", len(k))
				}
				return exists(outbox, k[8:], "delivery")
			}},
		}
		for _, c := range checks {
			b := tx.Bucket(c.bucket)
			if b == nil {
				bad(c.bucket, "", errors.New("bucket missing"))
				continue
			}
			err := b.ForEach(func(k, v []byte) error {
				if err := tick(); err != nil {
					return err
				}
				rep.Checked[string(c.bucket)]++
				if err := c.check(k, v); err != nil {
					bad(c.bucket, c.key(k), err)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, m := range rep.Files {
		s.log.Error("archived file does not match its sha256", slog.String("sha256", m.SHA256), slog.String("got", m.Got))
	}
	for _, r := range rep.Records {
		s.log.Error("stored record does not read", slog.String("bucket", r.Bucket), slog.String("key", r.Key), slog.String("error", r.Error))
	}
	return rep, nil
}

// decodeKeyed decodes a record stored under a be64 id and checks the id
// it holds is its key.
func decodeKeyed(k, v []byte, x interface{ storedID() uint64 }) error {
	if err := decodeJSON(v, x); err != nil {
		return err
	}
	if len(k) != 8 {
		return fmt.Errorf("key of %d bytes, want 8", len(k))
	}
	if id := x.storedID(); id != binary.BigEndian.Uint64(k) {
		return fmt.Errorf("holds id %d", id)
	}
	return nil
}

func (s *Snapshot) storedID() uint64 { return s.ID }
func (d *Delivery) storedID() uint64 { return d.ID }

// changeRec adapts diff.Change, which lives in another package.
type changeRec struct{ diff.Change }

func (c *changeRec) storedID() uint64 { return c.ID }

func exists(b *bolt.Bucket, key []byte, what string) error {
	if b.Get(key) == nil {
		return fmt.Errorf("points at %s %s, which does not exist", what, seqKey(key))
	}
	return nil
}

func seqKey(k []byte) string {
	if len(k) == 8 {
		return fmt.Sprint(binary.BigEndian.Uint64(k))
	}
	return hexKey(k)
}

func strKey(k []byte) string { return fmt.Sprintf("%q", k) }

func hexKey(k []byte) string { return hex.EncodeToString(k) }

// skipBad logs a record a read skipped because it does not decode: a bad
// record costs that record, not the whole command; Verify lists them all.
func (s *Store) skipBad(bucket []byte, key []byte, err error) {
	s.log.Error("skipped a stored record that does not read; run watch287g verify",
		slog.String("bucket", string(bucket)), slog.String("key", seqKey(key)), slog.Any("error", err))
}

// verifyFiles re-hashes every file archived in bucket name (list files or
// MOA documents); a mismatch joins rep.Files.
func verifyFiles(ctx context.Context, tx *bolt.Tx, name []byte, rep *VerifyReport) error {
	return forEachFile(tx.Bucket(name), func(k string, body []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rep.Checked[string(name)]++
		sum := sha256.Sum256(body)
		if got := hex.EncodeToString(sum[:]); got != k {
			rep.Files = append(rep.Files, Mismatch{SHA256: k, Got: got})
		}
		return nil
	})
}
