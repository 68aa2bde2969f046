package store

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/watch287g/watch287g/sheet"
)

// SchemaVersion is the layout this code reads and writes. Open migrates an
// older file up to it and refuses a newer one.
const SchemaVersion = 4

// AllocSize is the least bbolt grows the file by at a time (growStep).
const AllocSize = 256 << 10

// growStep is how far bbolt grows a file of size bytes at a time: a 64th
// of it, between AllocSize and 8 MiB. The tail left unused is at most one
// step, and the store must stay within 1.5× its archived files: bbolt's
// default of 16 MiB would push a 25 MB store to 41 MB, and even a fixed
// 1 MiB leaves a corpus-sized store (28 MiB) up to 3.5% larger than its
// pages. Each step costs an ftruncate and an fsync, so the step grows with
// the file: ten years (500 MB) take about 300 steps instead of 500.
func growStep(size int64, pageSize int) int {
	// Whole pages: bbolt truncates the file to size plus the step, and a
	// file that is not a whole number of pages is refused at Open. The
	// page is the system's (4 KiB here, 16 or 64 KiB on some arm64).
	step := int(min(max(size/64, AllocSize), 8<<20))
	return max(step-step%pageSize, pageSize)
}

// Bucket names. Every key sorts: big-endian sequence numbers, fixed-width
// UTC times, hex digests.
var (
	bucketMeta        = []byte("meta")              // schema version, migrations, "kv/" operator state
	bucketFiles       = []byte("files")             // hex sha256 → original bytes, written once
	bucketSnapshots   = []byte("snapshots")         // be64 id → JSON Snapshot
	bucketSHAs        = []byte("shas")              // list "/" hex sha256 → be64 snapshot id
	bucketAgreements  = []byte("agreements")        // agreement id → JSON AgreementInfo
	bucketAgrChanges  = []byte("agreement_changes") // agreement id 0x00 be64 change id → nil
	bucketCurrent     = []byte("current")           // list → packed current (latest accepted agreements; codec_current.go)
	bucketSnapshotIDs = []byte("snapshot_ids")      // be64 snapshot id → packed agreement ids
	bucketChanges     = []byte("changes")           // be64 id → JSON diff.Change
	bucketChecks      = []byte("checks")            // be64 unix nanos, be64 seq → JSON Check
	bucketValidators  = []byte("validators")        // url → JSON Validator
	bucketOutbox      = []byte("outbox")            // be64 id → JSON Delivery
	bucketDue         = []byte("outbox_due")        // be64 next-attempt nanos, be64 id → nil (pending only)
)

var allBuckets = [][]byte{
	bucketMeta, bucketFiles, bucketSnapshots, bucketSHAs, bucketAgreements, bucketAgrChanges,
	bucketCurrent, bucketSnapshotIDs, bucketChanges, bucketChecks, bucketValidators, bucketOutbox, bucketDue,
}

// Meta keys used by the store itself; operator state lives under metaUser.
const (
	metaSchema    = "schema_version"
	metaMigration = "migration/"
	metaUser      = "kv/"
)

// Store is watch287g's bbolt database. Its methods are safe for concurrent
// use; writes are serialised by bbolt (and Commit/Accept by a mutex, since
// they read before they write).
type Store struct {
	db   *bolt.DB
	path string
	log  *slog.Logger
	// parse reads an archived file under the caller's context, so a long
	// read of a hostile file stops with it.
	parse func(context.Context, []byte) (*sheet.File, error)
	// mu serialises Commit and Accept: each parses outside the write
	// transaction after a read, and must not interleave with another.
	mu sync.Mutex
	// currents caches each list's current agreements as the last committed
	// write transaction left them (guarded by mu), so a cycle does not
	// decode hundreds of kilobytes it wrote itself. Only this process can
	// write the file (bbolt's exclusive lock), so the cache cannot go stale.
	currents map[sheet.List]*current
	// read caches each list's current agreements as readers decoded them,
	// for the data version they were read at (see readCurrent).
	read readCache
	// memo holds every snapshot and agreement record for one data
	// version (see memo.go).
	memo memo
}

// migration brings the schema from version-1 to version.
type migration struct {
	version int
	name    string
	run     func(tx *bolt.Tx) error
}

// migrations run in order at Open, each recorded in meta. Version 1 creates
// the buckets; later versions append here.
var migrations = []migration{
	{1, "create buckets", func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		return nil
	}},
	// Snapshots written from version 2 on key their agreement ids by row
	// (idsByRow); older positional values stay readable as they are. The
	// version marks the file so an older watch287g, which would read the
	// new values as "no ids", refuses it instead.
	// Version 2 also keeps the last successful and failed check in meta
	// (recordChecks), seeded here from the checks already kept.
	{2, "agreement ids keyed by row; last success kept", seedLastCheck},
	// Version 3 indexes changes by day and agreements by name, and starts
	// the data version (index.go); an older watch287g would not keep the
	// indexes up to date.
	{3, "changes indexed by day, agreements by name; data version", buildIndexes},
	// Version 4 keeps the aggregates the pages read (aggregate.go): the
	// series of accepted snapshots and the index of former agreements. An
	// older watch287g would not keep them up to date.
	{4, "series and former agreements kept as lists are committed", buildAggregates},
}

// Open opens (creating when absent, unless opt.ReadOnly) the store at path,
// waiting at most opt.Timeout for the file lock, and runs pending migrations.
func Open(path string, opt Options) (*Store, error) {
	timeout := opt.Timeout
	if timeout <= 0 {
		timeout = DefaultOpenTimeout
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With(slog.String("component", "store"))
	parse := sheet.ParseContext
	if opt.Parse != nil {
		parse = func(_ context.Context, b []byte) (*sheet.File, error) { return opt.Parse(b) }
	}
	if opt.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}
	if err := checkFile(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:  timeout,
		ReadOnly: opt.ReadOnly,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("store: open %s: another watch287g (probably `serve`) holds the file; stop it or use --server URL: %w", path, ErrLocked)
	}
	if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrVersionMismatch) {
		return nil, fmt.Errorf("store: open %s: %w: %w", path, ErrCorrupt, err)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.AllocSize = AllocSize
	s := &Store{db: db, path: path, log: log, parse: parse}
	if err := s.migrate(opt.ReadOnly); err != nil {
		_ = db.Close() // the migrate error is the one worth reporting
		return nil, err
	}
	return s, nil
}

func (s *Store) migrate(readOnly bool) (rerr error) {
	defer s.damaged("open "+s.path, &rerr)()
	var have int
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(metaSchema))
		if v == nil {
			return nil
		}
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return fmt.Errorf("schema version %q: %w", v, err)
		}
		have = n
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: read schema: %w", err)
	}
	if have > SchemaVersion {
		return fmt.Errorf("store: open %s: schema version %d is newer than this watch287g (%d); upgrade watch287g", s.path, have, SchemaVersion)
	}
	if have == SchemaVersion {
		return nil
	}
	if readOnly {
		return fmt.Errorf("store: open %s: schema version %d needs migrating to %d; run a command that writes (fetch, import) first", s.path, have, SchemaVersion)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		for _, m := range migrations {
			if m.version <= have {
				continue
			}
			if err := m.run(tx); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
			rec := fmt.Sprintf("%s %s", time.Now().UTC().Format(time.RFC3339), m.name)
			if err := meta.Put(fmt.Appendf(nil, "%s%04d", metaMigration, m.version), []byte(rec)); err != nil {
				return err
			}
			if err := meta.Put([]byte(metaSchema), []byte(strconv.Itoa(m.version))); err != nil {
				return err
			}
			s.log.Info("migrated", slog.Int("version", m.version), slog.String("name", m.name))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", s.path, err)
	}
	return nil
}

// Close releases the file and its lock.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Size is the database file's size on disk: everything watch287g keeps.
func (s *Store) Size() (int64, error) {
	fi, err := os.Stat(s.path)
	if err != nil {
		return 0, fmt.Errorf("store: size: %w", err)
	}
	return fi.Size(), nil
}

// be64 encodes n as a big-endian key, so keys sort numerically.
func be64(n uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n)
}

// timeKey is a fixed-width UTC time (nanoseconds since 1970, clamped at 0)
// followed by a sequence number, so keys sort by time then insertion.
func timeKey(t time.Time, seq uint64) []byte {
	n := t.UnixNano()
	if n < 0 || t.IsZero() {
		n = 0
	}
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 16), uint64(n))
	return binary.BigEndian.AppendUint64(k, seq)
}

func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	if err := decodeJSON(raw, v); err != nil {
		return true, fmt.Errorf("decode %q: %w", key, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := encodeJSON(v)
	if err != nil {
		return fmt.Errorf("encode %x: %w", key, err)
	}
	return b.Put(key, raw)
}

// compressed marks a value holding deflated JSON. Plain JSON starts with
// '{', '[' or '"', never this byte.
const compressed byte = 0x01

// compressMin is the size from which a JSON value is deflated: records
// carry long MOA links that repeat between before and after, and a list's
// current agreements (hundreds of kilobytes) are rewritten every cycle.
const compressMin = 256

var flaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(io.Discard, flate.BestSpeed) // BestSpeed is a valid level: no error
	return w
}}

// encodeJSON marshals v, deflated when that makes it smaller.
func encodeJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil || len(raw) < compressMin {
		return raw, err
	}
	var buf bytes.Buffer
	buf.Grow(len(raw) / 3)
	buf.WriteByte(compressed)
	fw := flaters.Get().(*flate.Writer)
	defer flaters.Put(fw)
	fw.Reset(&buf)
	if _, err := fw.Write(raw); err != nil {
		return nil, err
	}
	if err := fw.Close(); err != nil {
		return nil, err
	}
	if buf.Len() >= len(raw) {
		return raw, nil
	}
	return buf.Bytes(), nil
}

// decodeJSON unmarshals a value written by encodeJSON.
func decodeJSON(raw []byte, v any) error {
	if len(raw) > 0 && raw[0] == compressed {
		plain, err := inflate(raw[1:])
		if err != nil {
			return fmt.Errorf("inflate: %w", err)
		}
		raw = plain
	}
	return json.Unmarshal(raw, v)
}

// inflaters are reused: a new flate reader allocates tens of kilobytes of
// tables, more than most records hold, and reads decode thousands.
var inflaters sync.Pool

func inflate(b []byte) ([]byte, error) {
	src := bytes.NewReader(b)
	fr, ok := inflaters.Get().(io.ReadCloser)
	if ok {
		if err := fr.(flate.Resetter).Reset(src, nil); err != nil {
			return nil, err
		}
	} else {
		fr = flate.NewReader(src)
	}
	defer inflaters.Put(fr)
	var out bytes.Buffer
	out.Grow(4 * len(b))
	if _, err := out.ReadFrom(fr); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// view runs fn in a read transaction, wrapping its error with op.
func (s *Store) view(op string, fn func(tx *bolt.Tx) error) (err error) {
	defer s.damaged(op, &err)()
	if err := s.db.View(fn); err != nil {
		if op == "" { // fn's error names what it read
			return fmt.Errorf("store: %w", err)
		}
		return fmt.Errorf("store: %s: %w", op, err)
	}
	return nil
}

// update runs fn in a write transaction, wrapping its error with op.
func (s *Store) update(op string, fn func(tx *bolt.Tx) error) (err error) {
	defer s.damaged(op, &err)()
	err = s.db.Update(func(tx *bolt.Tx) error {
		s.db.AllocSize = growStep(tx.Size(), tx.DB().Info().PageSize) // under the write lock: bbolt reads it at commit
		return fn(tx)
	})
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	return nil
}

// damaged turns a fault or panic inside a transaction into ErrCorrupt.
// bbolt trusts the pages it maps: a page damaged on disk (or a file cut
// short under a running process) makes it read out of bounds or panic on
// an unexpected page type. Open checks the file's shape; this catches
// what only reading finds, so `verify` reports a damaged file instead of
// dying with SIGSEGV. bbolt's View and Update roll back on a panic. The
// stack is logged: the same path would catch a bug of ours.
func (s *Store) damaged(op string, err *error) func() {
	old := debug.SetPanicOnFault(true)
	return func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			s.log.Error("store: transaction panicked", slog.String("op", op), slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
			*err = fmt.Errorf("store: %s: %w (bbolt: %v)", op, ErrCorrupt, r)
		}
	}
}
