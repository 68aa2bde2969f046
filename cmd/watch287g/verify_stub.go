//go:build !lead

package main

import (
	"context"
	"errors"
)

func runVerify(ctx context.Context, a *app, args []string) error {
	return errors.New("not implemented yet")
}
