//go:build !lead

package main

import (
	"context"
	"errors"
)

func runImport(ctx context.Context, a *app, args []string) error {
	return errors.New("not implemented yet")
}
