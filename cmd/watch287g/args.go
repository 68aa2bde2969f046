package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// parseArgs parses a subcommand's command line with its flags anywhere
// among the positional arguments, as users type them
// (`history "Garrett County" --format csv`); `--` ends the flags, so a
// positional argument may start with a dash. Every subcommand parses
// through here, so none can read a flag as text.
//
// The usage text is printed only for -h: a wrong flag is one line on
// stderr (the error run() prints), not a screen of defaults.
func parseArgs(fs *flag.FlagSet, args []string) error {
	flags, pos := splitArgs(fs, args)
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard) // the error comes back in err
	err := fs.Parse(append(append(flags, "--"), pos...))
	fs.Usage = usage
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	case err != nil:
		return fmt.Errorf("%w: %v (see %s -h)", errUsage, err, fs.Name())
	}
	return nil
}

// noArgs refuses positional arguments for a command that takes none, so
// `changes TX` is an error rather than every change.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s takes no arguments, only flags (got %q)", errUsage, fs.Name(), fs.Arg(0))
	}
	return nil
}

// splitArgs separates flags (with their values) from positional arguments,
// keeping each group's order. A flag not defined on fs stays a flag, so
// Parse reports it.
func splitArgs(fs *flag.FlagSet, args []string) (flags, pos []string) {
	for i := 0; i < len(args); i++ {
		s := args[i]
		switch {
		case s == "--":
			return flags, append(pos, args[i+1:]...)
		case len(s) < 2 || s[0] != '-':
			pos = append(pos, s)
		default:
			flags = append(flags, s)
			name := strings.TrimLeft(s, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if takesValue(fs, name) && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		}
	}
	return flags, pos
}

// takesValue reports whether flag name on fs reads the next argument as
// its value (every defined flag but a boolean one).
func takesValue(fs *flag.FlagSet, name string) bool {
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return false
	}
	return true
}
