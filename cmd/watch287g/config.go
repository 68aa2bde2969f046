package main

import (
	"context"
	"fmt"
	"os"

	"github.com/watch287g/watch287g/config"
)

// runConfig is `watch287g config check`: load and validate the
// configuration (file, ${VAR} expansion, WATCH287G_* overrides) and print
// the effective settings with secrets masked.
func runConfig(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("config")
	fs.Usage = func() {
		fmt.Fprintln(a.stderr, "usage: watch287g [--config FILE] config check")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "check" {
		return fmt.Errorf("%w: the config command takes one subcommand: check", errUsage)
	}
	cfg, err := config.Load(a.configPath, os.Getenv)
	if err != nil {
		return err
	}
	out, err := cfg.Masked().YAML()
	if err != nil {
		return err
	}
	source := "defaults and environment (no --config file)"
	if cfg.File != "" {
		source = cfg.File
	}
	fmt.Fprintf(a.stdout, "# configuration OK: %s\n# effective settings, secrets masked:\n%s", source, out)
	return nil
}
