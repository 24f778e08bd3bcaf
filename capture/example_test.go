package capture_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/trailbridge/trailbridge/capture"
)

// printSink hands each record's name to a channel.
type printSink chan string

func (s printSink) Put(_ context.Context, batch []capture.Captured) error {
	for _, c := range batch {
		var r struct{ EventSource, EventName string }
		if err := json.Unmarshal(c.Record, &r); err != nil {
			return err
		}
		s <- r.EventSource + " " + r.EventName
	}
	return nil
}

func ExampleRecorder_Middleware() {
	dir, err := os.MkdirTemp("", "spool")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// One hand-off per process: a spool directory and the sink records go to
	// (in trailbridge, an APISink over a Client of the server's API).
	sink := make(printSink, 1)
	handoff, err := capture.NewHandoff(capture.HandoffConfig{Dir: dir, Sink: sink})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- handoff.Run(ctx) }()

	routes, err := capture.NewRoutes([]capture.Route{{Method: "POST", Path: "/orders", Name: "CreateOrder"}})
	if err != nil {
		log.Fatal(err)
	}
	rec, err := capture.NewRecorder(capture.Config{EventSource: "orders.example.com", Account: "111122223333", Namer: routes}, handoff)
	if err != nil {
		log.Fatal(err)
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"o-1"}`)
	})
	srv := httptest.NewServer(rec.Middleware(api))
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/orders", "application/json", strings.NewReader(`{"item":"book"}`))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(<-sink)

	stop()
	if err := <-done; err != nil {
		log.Fatal(err)
	}
	// Output: orders.example.com CreateOrder
}
