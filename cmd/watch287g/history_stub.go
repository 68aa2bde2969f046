//go:build !lead

package main

import (
	"context"
	"errors"
)

func runHistory(ctx context.Context, a *app, args []string) error {
	return errors.New("not implemented yet")
}
