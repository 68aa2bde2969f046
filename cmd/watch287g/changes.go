package main

import (
	"context"
	"errors"
)

// TODO: implement.
func runChanges(ctx context.Context, a *app, args []string) error {
	return errors.New("not implemented yet")
}
