package logs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/logs"
)

func Example() {
	dir, err := os.MkdirTemp("", "trailbridge-logs")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	k := logs.New(dir, logs.Options{Now: func() time.Time { return time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC) }})
	defer k.Close()

	var reg target.Registry
	reg.Register("logs:log-group", k)
	ctx := context.Background()
	tg, err := reg.Target(ctx, "arn:aws:logs:us-east-1:000000000000:log-group:/aws/events/audit:*")
	if err != nil {
		panic(err)
	}
	if err := tg.Invoke(ctx, &target.Invocation{Payload: []byte(`{"version":"0","id":"1","detail":{}}`)}); err != nil {
		panic(err)
	}

	file := filepath.Join(k.GroupDir("/aws/events/audit"), "2024-05-01.jsonl")
	b, err := os.ReadFile(file)
	if err != nil {
		panic(err)
	}
	rel, _ := filepath.Rel(dir, file)
	fmt.Println(rel)
	fmt.Print(string(b))
	// Output:
	// %2Faws%2Fevents%2Faudit/2024-05-01.jsonl
	// {"timestamp":1714564800000,"message":"{\"version\":\"0\",\"id\":\"1\",\"detail\":{}}"}
}
