package main

import (
	"context"
	"errors"
)

// TODO: implement.
func runOutbox(ctx context.Context, a *app, args []string) error {
	return errors.New("not implemented yet")
}
