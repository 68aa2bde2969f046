//go:build !lead

package main

import (
	"context"
	"errors"
)

func runExport(ctx context.Context, a *app, args []string) error {
	return errors.New("not implemented yet")
}
