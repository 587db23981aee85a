package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// stopOnSignals returns a context cancelled by the first SIGINT or SIGTERM
// (after logging firstMsg): the pipelines then stop their inputs and drain.
// A second signal logs secondMsg, calls forceStop and exits 1 at once.
// Call the returned function to stop listening.
func stopOnSignals(logger *slog.Logger, firstMsg, secondMsg string, forceStop func()) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		logger.Info(firstMsg, "signal", sig.String())
		cancel()
		if sig, ok = <-sigs; !ok {
			return
		}
		logger.Warn(secondMsg, "signal", sig.String())
		forceStop()
		os.Exit(1)
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(sigs)
		cancel()
	}
}
