package tracker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Defaults for the scheduler.
const (
	DefaultCycleTimeout    = 10 * time.Minute
	DefaultDeliverInterval = time.Minute
	DefaultShutdownTimeout = 30 * time.Second
)

// specParser accepts 5-field specs with an optional CRON_TZ= prefix and
// descriptors such as @hourly and @every 10m.
var specParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule validates a schedule spec. A bad spec is an error at start,
// never a panic later.
func ParseSchedule(spec string) (cron.Schedule, error) {
	s, err := specParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	return s, nil
}

// Stale is told periodically how old the last successful fetch is, so the
// operator hears about stale data; *notify.Notifier implements it.
type Stale interface {
	Stale(ctx context.Context, lastSuccess, now time.Time) error
}

// Scheduler runs the tracker's cycles on a cron schedule and drains the
// outbox between them. What is due is decided here; the work is the
// Tracker's and the Notifier's.
type Scheduler struct {
	Tracker *Tracker
	Spec    string
	// NoFetch schedules no cycles: Run only drains the outbox.
	NoFetch bool
	// FetchAtStart runs one cycle as soon as Run starts.
	FetchAtStart    bool
	CycleTimeout    time.Duration
	DeliverInterval time.Duration
	ShutdownTimeout time.Duration
	// Stale, when set, is called at every delivery tick with the time of
	// the last successful cycle.
	Stale Stale
	// Cycles, when set, receives each cycle's report (tests and logs).
	Cycles chan<- *Report
	Log    *slog.Logger
}

// Run schedules cycles until ctx is done, then stops taking work, lets a
// running cycle finish (cancelling it after ShutdownTimeout) and returns.
func (s *Scheduler) Run(ctx context.Context) error {
	sched, err := ParseSchedule(s.Spec)
	if err != nil {
		return err
	}
	// Cycles get their own context so a signal lets a running cycle
	// finish; it is cancelled only when the shutdown deadline passes.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	logger := cronLogger{s.Log}
	c := cron.New(
		cron.WithParser(specParser),
		// Recover sits inside SkipIfStillRunning: a panic that escaped
		// the skip wrapper would keep its token and skip every later tick.
		cron.WithChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)),
		cron.WithLogger(logger),
	)
	wake := make(chan struct{}, 1)
	job := cron.FuncJob(func() {
		s.cycle(workCtx, ctx)
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	// The entry's wrapped job carries the chain, so the fetch at start
	// shares SkipIfStillRunning with the scheduled runs.
	var startRun sync.WaitGroup
	if !s.NoFetch {
		entry := c.Entry(c.Schedule(sched, job))
		c.Start()
		s.Log.Info("scheduler started", slog.String("schedule", s.Spec), slog.Time("next", sched.Next(time.Now())))
		if s.FetchAtStart {
			startRun.Go(entry.WrappedJob.Run)
		}
	}

	interval := s.DeliverInterval
	if interval <= 0 {
		interval = DefaultDeliverInterval
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return s.shutdown(c, &startRun, cancelWork)
		case <-ticker.C:
			// The drain runs under ctx itself: a signal stops it between
			// messages and aborts the one in flight (it is retried on the
			// next start), so shutdown never waits for a long drain.
			s.deliver(ctx)
		case <-wake:
			// A cycle already delivered what it recorded; nothing to do
			// until the next tick.
		}
	}
}

func (s *Scheduler) shutdown(c *cron.Cron, startRun *sync.WaitGroup, cancelWork context.CancelFunc) error {
	s.Log.Info("stopping: no new cycles; waiting for a running one")
	stopped := c.Stop()
	done, finished := context.WithCancel(context.Background())
	go func() {
		<-stopped.Done()
		startRun.Wait()
		finished()
	}()
	timeout := s.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	select {
	case <-done.Done():
	case <-time.After(timeout):
		s.Log.Warn("running cycle did not finish in time; cancelling it", slog.Duration("timeout", timeout))
		cancelWork()
		<-done.Done()
	}
	return nil
}

// cycle runs one cycle under workCtx, which a signal does not end (the
// commit may finish), and drains under a context that also ends with
// sigCtx.
func (s *Scheduler) cycle(workCtx, sigCtx context.Context) {
	timeout := s.CycleTimeout
	if timeout <= 0 {
		timeout = DefaultCycleTimeout
	}
	ctx, cancel := context.WithTimeout(workCtx, timeout)
	defer cancel()
	drainCtx, cancelDrain := context.WithCancel(ctx)
	defer cancelDrain()
	stop := context.AfterFunc(sigCtx, cancelDrain)
	defer stop()
	rep, err := s.Tracker.cycle(ctx, drainCtx)
	if err != nil {
		s.Log.Error("cycle failed", errAttr(err))
	} else {
		s.Log.Info("cycle done", slog.String("outcome", string(rep.Outcome)))
	}
	if s.Cycles != nil {
		select {
		case s.Cycles <- rep:
		case <-ctx.Done():
		}
	}
}

func (s *Scheduler) deliver(ctx context.Context) {
	now := s.Tracker.now()
	if err := s.Tracker.Notifier.Deliver(ctx, now); err != nil {
		s.Log.Warn("deliveries will be retried", errAttr(err))
	}
	if s.Stale == nil {
		return
	}
	// One key, written with each successful check: not a scan of every
	// check ever recorded, once a minute.
	last, err := s.Tracker.Store.LastSuccess(ctx)
	if err != nil {
		s.Log.Error("read last success", errAttr(err))
		return
	}
	if err := s.Stale.Stale(ctx, last, now); err != nil {
		s.Log.Error("stale alert", errAttr(err))
	}
}

// cronLogger adapts slog to cron.Logger, so a recovered panic in a cycle is
// logged with its stack as an error rather than crashing serve.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, errAttr(err))...)
}
