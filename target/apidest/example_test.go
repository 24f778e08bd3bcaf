package apidest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/apidest"
)

// static resolves every name to one destination.
type static struct{ d *apidest.Destination }

func (s static) Destination(context.Context, string) (*apidest.Destination, error) { return s.d, nil }

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("X-Api-Key")
		fmt.Println(r.Method, r.URL.Path, "key ok:", key == "k3y")
	}))
	defer srv.Close()

	arn := "arn:aws:events:us-east-1:123456789012:api-destination/orders/5f6a1b2c-0000-4000-8000-000000000001"
	kind := &apidest.Kind{Resolver: static{&apidest.Destination{
		ARN: arn, Name: "orders", Endpoint: srv.URL + "/orders/*", Method: "POST",
		Connection: &apidest.Connection{Name: "shop", State: apidest.StateAuthorized,
			Auth: apidest.Auth{Type: apidest.AuthAPIKey, APIKeyName: "X-Api-Key", APIKeyValue: "k3y"}},
	}}}
	tg, err := kind.Target(context.Background(), arn)
	if err != nil {
		panic(err)
	}
	err = tg.Invoke(context.Background(), &target.Invocation{
		Payload: []byte(`{"id":7}`),
		Event:   []byte(`{"detail":{"id":7}}`),
		// The * of the endpoint comes from the event.
		Target: &trailbridge.Target{Id: "t", Arn: arn, HttpParameters: &trailbridge.HttpParameters{PathParameterValues: []string{"$.detail.id"}}},
	})
	fmt.Println("error:", err)
	// Output:
	// POST /orders/7 key ok: true
	// error: <nil>
}
