package sigv4_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/sigv4"
)

// A server checks every request before dispatching it; a client signs its
// requests with Sign.
func ExampleVerifier() {
	keys := map[string]string{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	v := &sigv4.Verifier{
		Service: "events",
		Region:  "us-east-1",
		Lookup: func(id string) (string, bool) {
			secret, ok := keys[id]
			return secret, ok
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id, err := v.Verify(r, body)
		if err != nil {
			e := trailbridge.AsError(err)
			w.WriteHeader(e.HTTPStatus())
			fmt.Fprintf(w, "%s: %s", e.Code, e.Message)
			return
		}
		fmt.Fprintf(w, "hello %s", id.AccessKeyID)
	}))
	defer srv.Close()

	send := func(sign bool) {
		body := []byte(`{"Entries":[{"Source":"demo","DetailType":"Ping","Detail":"{}"}]}`)
		r, _ := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "AWSEvents.PutEvents")
		if sign {
			err := sigv4.Sign(r, body, "AKIDEXAMPLE", keys["AKIDEXAMPLE"], "", "events", "us-east-1", time.Now())
			if err != nil {
				fmt.Println(err)
				return
			}
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode, string(answer))
	}
	send(true)
	send(false)
	// Output:
	// 200 hello AKIDEXAMPLE
	// 400 MissingAuthenticationTokenException: Request is missing Authentication Token
}

// Refusals carry AWS's exception name and text.
func ExampleVerifier_Verify_skew() {
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4010/", nil)
	signedAt := time.Date(2024, 3, 1, 11, 54, 0, 0, time.UTC)
	if err := sigv4.Sign(r, nil, "AKIDEXAMPLE", "secret", "", "events", "us-east-1", signedAt); err != nil {
		fmt.Println(err)
		return
	}
	v := &sigv4.Verifier{
		Service: "events",
		Now:     func() time.Time { return signedAt.Add(6 * time.Minute) },
	}
	_, err := v.Verify(r, nil)
	var e *trailbridge.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code)
		fmt.Println(e.Message)
	}
	// Output:
	// InvalidSignatureException
	// Signature expired: 20240301T115400Z is now earlier than 20240301T115500Z (20240301T120000Z - 5 min.)
}

func ExampleSign() {
	r, _ := http.NewRequest(http.MethodGet, "http://example.amazonaws.com/", nil)
	err := sigv4.Sign(r, nil, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "",
		"service", "us-east-1", time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Header.Get("X-Amz-Date"))
	fmt.Println(r.Header.Get("Authorization"))
	// Output:
	// 20150830T123600Z
	// AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31
}
