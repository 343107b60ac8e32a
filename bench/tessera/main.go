// Command tessera-posix-bench appends N random 32-byte entries to a fresh Tessera log on POSIX
// storage and prints, as one JSON line, how many entries per second it integrated: the time from
// the first Add to a signed checkpoint that covers the last entry (issue 28). The TypeScript bench
// (bench/groups/merkle.ts) builds and runs it beside its own Merkle log, on the same shape:
// Tessera batches 1,024 entries or 100 ms and publishes a checkpoint every second, as in the
// measurement the issue reports.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
)

func main() {
	dir := flag.String("dir", "", "an empty folder for the log (required)")
	count := flag.Int("entries", 100_000, "how many entries to append")
	flag.Parse()
	if *dir == "" || *count < 1 {
		fmt.Fprintln(os.Stderr, "usage: tessera-posix-bench -dir EMPTY_FOLDER [-entries N]")
		os.Exit(2)
	}
	if err := run(*dir, *count); err != nil {
		fmt.Fprintf(os.Stderr, "tessera-posix-bench: %v\n", err)
		os.Exit(1)
	}
}

func run(dir string, count int) error {
	ctx := context.Background()
	skey, _, err := note.GenerateKey(rand.Reader, "bench.example/tessera-posix")
	if err != nil {
		return err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return err
	}
	driver, err := posix.New(ctx, posix.Config{Path: dir})
	if err != nil {
		return err
	}
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithBatching(1024, 100*time.Millisecond).
		WithCheckpointInterval(time.Second)
	appender, shutdown, reader, err := tessera.NewAppender(ctx, driver, opts)
	if err != nil {
		return err
	}
	// The entries exist before the clock starts: only the log's work is timed.
	entries := make([][]byte, count)
	for i := range entries {
		entries[i] = make([]byte, 32)
		if _, err := rand.Read(entries[i]); err != nil {
			return err
		}
	}
	awaiter := tessera.NewPublicationAwaiter(ctx, reader.ReadCheckpoint, 10*time.Millisecond)
	start := time.Now()
	var last tessera.IndexFuture
	for _, e := range entries {
		last = appender.Add(ctx, tessera.NewEntry(e))
	}
	index, _, err := awaiter.Await(ctx, last)
	if err != nil {
		return err
	}
	seconds := time.Since(start).Seconds()
	if index.Index != uint64(count-1) {
		return fmt.Errorf("the last entry got index %d, expected %d", index.Index, count-1)
	}
	if err := shutdown(ctx); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"entries":    count,
		"seconds":    seconds,
		"per_s":      float64(count) / seconds,
		"tessera":    "v1.0.4",
		"storage":    "posix",
		"batch":      1024,
		"batchAgeMs": 100,
	})
}
