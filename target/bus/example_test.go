package bus_test

import (
	"context"
	"fmt"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/bus"
)

// printLog prints what is appended to it.
type printLog struct{}

func (printLog) Append(_ context.Context, evs []trailbridge.Accepted) error {
	for _, ev := range evs {
		fmt.Printf("on %s: %s\n", ev.Bus, ev.Event)
	}
	return nil
}

type oneBus string

func (b oneBus) Bus(name string) *trailbridge.Bus {
	if name != string(b) {
		return nil
	}
	return &trailbridge.Bus{Name: name}
}

func Example() {
	place := trailbridge.Place{Region: "us-east-1", Account: "000000000000"}
	k := bus.New(printLog{}, oneBus("audit"), place, bus.Options{})
	var reg target.Registry
	reg.Register("events:event-bus", k)

	ctx := context.Background()
	tg, err := reg.Target(ctx, place.BusARN("audit"))
	if err != nil {
		panic(err)
	}
	ev := &trailbridge.Event{ID: "e1", DetailType: "User Signed In", Source: "app", Account: place.Account,
		Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), Region: place.Region, Detail: []byte(`{"user":"alice"}`)}
	payload, _ := ev.MarshalJSON()
	fmt.Println("error:", tg.Invoke(ctx, &target.Invocation{Payload: payload, Rule: "copy", Bus: "default", Ingested: time.Now()}))

	_, err = reg.Target(ctx, "arn:aws:events:us-east-1:123456789012:event-bus/audit")
	fmt.Println("error:", err)
	// Output:
	// on audit: {"version":"0","id":"e1","detail-type":"User Signed In","source":"app","account":"000000000000","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{"user":"alice"}}
	// error: <nil>
	// error: NO_PERMISSIONS: cross-account and cross-region targets are not supported: arn:aws:events:us-east-1:123456789012:event-bus/audit is not a bus of account 000000000000 in us-east-1
}
