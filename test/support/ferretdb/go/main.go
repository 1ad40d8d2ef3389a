// Command ferretdb-embedded runs FerretDB (SQLite backend) on loopback for the
// chat server's embedded mode and its tests. It is the project's own small wrapper
// around the embeddable package, because FerretDB's own command panics when built
// with `go install` (no generated version file).
//
// It prints one line `READY <mongodb-uri>` on stdout once it accepts connections,
// and exits when stdin closes or on SIGINT/SIGTERM, so a parent that dies never
// leaves it behind.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (loopback only by default)")
	dataDir := flag.String("data", "data/ferretdb", "directory of the SQLite files")
	logLevel := flag.String("log-level", "error", "debug, info, warn or error")
	watchStdin := flag.Bool("watch-stdin", true, "exit when stdin reaches EOF (the parent process is gone)")
	// WAL with synchronous=NORMAL survives a crash of any process (committed data is in the
	// WAL) and only risks the last commits on power loss; FULL fsyncs every commit, which
	// makes each chat message cost several disk flushes. The embedded mode is for
	// development and single machines; production runs MongoDB with its own durability.
	sqliteSync := flag.String("sqlite-synchronous", "normal", "SQLite synchronous pragma: off, normal or full")
	flag.Parse()

	abs, err := filepath.Abs(*dataDir)
	if err != nil {
		fail("data dir: %v", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		fail("create data dir %s: %v", abs, err)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail("log level: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(" + *sqliteSync + ")",
		Logger:    logger,
	})
	if err != nil {
		fail("start: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	// Run binds the listener asynchronously; MongoDBURI needs the bound address.
	for i := 0; i < 200; i++ {
		if uri, ok := tryURI(f); ok {
			fmt.Printf("READY %s\n", uri)
			break
		}
		time.Sleep(25 * time.Millisecond)
	}

	if err := <-done; err != nil && ctx.Err() == nil {
		fail("run: %v", err)
	}
}

func tryURI(f *ferretdb.FerretDB) (uri string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	uri = f.MongoDBURI()
	return uri, uri != ""
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ferretdb-embedded: "+format+"\n", args...)
	os.Exit(1)
}
