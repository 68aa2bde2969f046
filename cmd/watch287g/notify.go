package main

import (
	"context"
	"fmt"
	"os"

	"github.com/watch287g/watch287g/config"
	"github.com/watch287g/watch287g/notify"
)

// runNotify is `watch287g notify test [--to ADDR]`: a sample message
// through each configured channel, outside the outbox, so it needs no
// database and works while serve runs.
func runNotify(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("notify", "test")
	to := fs.String("to", "", "send the sample email only to this `address` (default: every subscriber and operator address)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "test" {
		return fmt.Errorf("%w: the notify command takes one subcommand: test [--to ADDR]", errUsage)
	}
	cfg, err := config.Load(a.configPath, os.Getenv)
	if err != nil {
		return err
	}
	opt := cfg.NotifyOptions()
	opt.Logger = a.log
	n, err := notify.New(nil, opt)
	if err != nil {
		return err
	}
	if err := n.Test(ctx, *to); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "sample sent through every configured channel")
	return nil
}
