package awsapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// sdkPutEventsBody is the body aws-sdk-go-v2 sends for a PutEvents call.
func sdkPutEventsBody(t testing.TB, entries []types.PutEventsRequestEntry) []byte {
	t.Helper()
	var mu sync.Mutex
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		body = b
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"FailedEntryCount":0,"Entries":[]}`)
	}))
	defer srv.Close()
	c := newClient(srv.URL, "AKIDTEST", "secret")
	if _, err := c.PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: entries}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return body
}

func TestDecodePutEventsReadsWhatSDKsSend(t *testing.T) {
	body := sdkPutEventsBody(t, []types.PutEventsRequestEntry{
		{Source: aws.String("shop"), DetailType: aws.String("Order Placed"),
			Detail:    aws.String(`{"order":"o-1","note":"tab\tand \"quotes\" and é ✓","path":"a\\b"}`),
			Resources: []string{"arn:aws:s3:::bucket"}, EventBusName: aws.String("orders")},
		{Source: aws.String("shop"), DetailType: aws.String("Order Paid"), Detail: aws.String(`{}`),
			TraceHeader: aws.String("Root=1-5759e988-bd862e3fe1be46a994272793")},
	})
	var fast PutEventsInput
	if !decodePutEvents(body, &fast) {
		t.Fatalf("the SDK's body took the slow path: %s", body)
	}
	var slow PutEventsInput
	if err := decode(body, &slow); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("fast path read %+v, decode %+v", fast, slow)
	}
	if got, want := *fast.Entries[0].Detail, `{"order":"o-1","note":"tab\tand \"quotes\" and é ✓","path":"a\\b"}`; got != want {
		t.Fatalf("Detail = %q, want %q", got, want)
	}
}

func TestDecodePutEvents(t *testing.T) {
	for _, c := range []struct {
		name, body string
		fast       bool
	}{
		{"empty object", `{}`, true},
		{"no entries", `{"Entries":[]}`, true},
		{"spaced", " \n{ \"Entries\" : [ { \"Source\" : \"a\" , \"Resources\" : [ \"r1\" , \"r2\" ] } ] , \"EndpointId\" : \"e\" }\r\n", true},
		{"empty entry and resources", `{"Entries":[{},{"Resources":[]}]}`, true},
		{"simple escapes", `{"Entries":[{"Detail":"{\"a\":\"\\\/\b\f\n\r\t\"}"}]}`, true},
		{"raw UTF-8", `{"Entries":[{"Detail":"{\"a\":\"日本 ✓\"}","Source":"é"}]}`, true},
		{"time", `{"Entries":[{"Time":1700000000,"Source":"a"}]}`, false},
		{"lower-case member", `{"Entries":[{"source":"a"}]}`, false},
		{"lower-case top member", `{"entries":[]}`, false},
		{"unknown member", `{"Entries":[{"Sauce":"a"}]}`, false},
		{"unknown top member", `{"Entries":[],"X":1}`, false},
		{"twice", `{"Entries":[{"Source":"a","Source":"b"}]}`, false},
		{"entries twice", `{"Entries":[],"Entries":[]}`, false},
		{"null", `{"Entries":[{"Source":null}]}`, false},
		{"null entries", `{"Entries":null}`, false},
		{"number", `{"Entries":[{"Source":1}]}`, false},
		{"unicode escape", `{"Entries":[{"Source":"\u0041"}]}`, false},
		{"bad escape", `{"Entries":[{"Source":"\x"}]}`, false},
		{"control byte", "{\"Entries\":[{\"Source\":\"a\tb\"}]}", false},
		{"invalid UTF-8", "{\"Entries\":[{\"Source\":\"\xff\"}]}", false},
		{"invalid UTF-8 after escape", "{\"Entries\":[{\"Source\":\"\\n\xff\"}]}", false},
		{"trailing comma", `{"Entries":[{"Source":"a"},]}`, false},
		{"trailing member comma", `{"Entries":[{"Source":"a",}]}`, false},
		{"text after", `{"Entries":[]} x`, false},
		{"two objects", `{}{}`, false},
		{"cut short", `{"Entries":[{"Source":"a"`, false},
		{"empty body", ``, false},
		{"not an object", `[]`, false},
		{"non-JSON space", "\u00a0{}", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var fast PutEventsInput
			ok := decodePutEvents([]byte(c.body), &fast)
			if ok != c.fast {
				t.Fatalf("fast path took it: %v, want %v", ok, c.fast)
			}
			if !ok {
				return
			}
			var slow PutEventsInput
			if err := decode([]byte(c.body), &slow); err != nil {
				t.Fatalf("fast path read a body decode refuses: %v", err)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("fast path read %+v, decode %+v", fast, slow)
			}
		})
	}
}

// TestPutEventsOpFallsBack checks that what the fast path leaves gets
// decode's answer, its errors included.
func TestPutEventsOpFallsBack(t *testing.T) {
	var got *PutEventsInput
	h := putEventsOp(func(_ context.Context, in *PutEventsInput) (*PutEventsOutput, error) {
		got = in
		return &PutEventsOutput{}, nil
	})
	if _, err := h(t.Context(), []byte(`{"Entries":[{"Time":1700000000.5,"Source":"a"}]}`)); err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got.Entries) != 1 || got.Entries[0].Time == nil || *got.Entries[0].Source != "a" {
		t.Fatalf("decoded %+v", got)
	}
	_, err := h(t.Context(), []byte(`{"Entries":[{"Sauce":"a"}]}`))
	if err == nil || !strings.Contains(err.Error(), `Unrecognized field "Sauce"`) {
		t.Fatalf("err = %v, want decode's SerializationException", err)
	}
}

// FuzzDecodePutEvents holds the fast path to decode: whatever it reads,
// decode reads alike.
func FuzzDecodePutEvents(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"Entries":[]}`,
		`{"Entries":[{"Source":"shop","DetailType":"Order Placed","Detail":"{\"order\":\"o-1\",\"n\":[1,2]}","Resources":["r"],"EventBusName":"b","TraceHeader":"t"}],"EndpointId":"e"}`,
		`{"Entries":[{"Detail":"{\"a\":\"\\\/\b\f\n\r\t\"}"},{"Source":"é ✓"}]}`,
		`{"Entries":[{"Time":1700000000,"Source":"a"}]}`,
		`{"entries":[{"source":"a","Source":"b"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast PutEventsInput
		if !decodePutEvents(body, &fast) {
			return
		}
		var slow PutEventsInput
		if err := decode(body, &slow); err != nil {
			t.Fatalf("fast path read %q, which decode refuses: %v", body, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast path read %+v, decode %+v", body, fast, slow)
		}
	})
}

// BenchmarkDecodePutEvents compares the fast path with decode on the body
// of a 10-entry PutEvents call as the SDK sends it.
//
//	go test -run '^$' -bench DecodePutEvents -benchmem ./awsapi
func BenchmarkDecodePutEvents(b *testing.B) {
	entries := make([]types.PutEventsRequestEntry, 10)
	for j := range entries {
		entries[j] = types.PutEventsRequestEntry{Source: aws.String("shop"), DetailType: aws.String("Order Placed"),
			Detail: aws.String(`{"store":17,"order":"o-1234-5","total":15.95,"items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]}`)}
	}
	body := sdkPutEventsBody(b, entries)
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var in PutEventsInput
			if !decodePutEvents(body, &in) {
				b.Fatal("slow path")
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var in PutEventsInput
			if err := decode(body, &in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
