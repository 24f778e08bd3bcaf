package function_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/function"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Printf("%s %s: %s (rule %s, attempt %s)\n", r.Method, r.URL.Path, b, r.Header.Get("X-Trailbridge-Rule"), r.Header.Get("X-Trailbridge-Attempt"))
	}))
	defer srv.Close()

	k, err := function.New([]function.Spec{
		{Name: "disable-user", Command: []string{"./scripts/disable-user.sh", "--dry-run"}},
		{Name: "notify", URL: srv.URL + "/notify"},
	}, nil)
	if err != nil {
		panic(err)
	}
	var reg target.Registry
	reg.Register("lambda:function", k)

	ctx := context.Background()
	tg, err := reg.Target(ctx, "arn:aws:lambda:us-east-1:000000000000:function:notify")
	if err != nil {
		panic(err)
	}
	err = tg.Invoke(ctx, &target.Invocation{Payload: []byte(`{"user":"alice"}`), Rule: "on-login", Attempt: 1})
	fmt.Println("error:", err)

	_, err = reg.Target(ctx, "arn:aws:lambda:us-east-1:000000000000:function:resize")
	fmt.Println("error:", err)
	// Output:
	// POST /notify: {"user":"alice"} (rule on-login, attempt 1)
	// error: <nil>
	// error: NO_RESOURCE: function resize is not defined
}
