package capture

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/cloudtrail"
)

func FuzzRouteTemplates(f *testing.F) {
	for _, s := range [][2]string{{"/orders/{id}", "/orders/1"}, {"/files/{p...}", "/files/a/b"}, {"/", "/"}, {"/a/{b}/c", "/a/%2F/c"}, {"/{x}.json", "/a.json"}, {"/a//b", "/a//b"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, template, path string) {
		rt, err := NewRoutes([]Route{{Method: "GET", Path: template, Name: "Op"}})
		if err != nil {
			return
		}
		op, ok := rt.Lookup("GET", path)
		if ok && op.Name != "Op" {
			t.Fatalf("matched %+v", op)
		}
		segs, _ := parseTemplate(template)
		params := 0
		for _, s := range segs {
			if s.kind != segLiteral {
				params++
			}
		}
		if ok && len(op.Params) != params {
			t.Fatalf("%d params for %d parameter segments", len(op.Params), params)
		}
		_ = FallbackName("GET", path)
	})
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc")
	f.Add("AWS4-HMAC-SHA256 Credential=/////")
	f.Add("Bearer x")
	f.Fuzz(func(t *testing.T, h string) {
		c, ok := ParseAuthorization(h)
		if !ok {
			return
		}
		for _, s := range []string{c.AccessKeyID, c.Region, c.Service, c.Date} {
			if s == "" || strings.ContainsAny(s, "/ ,\"") {
				t.Fatalf("credential %+v from %q", c, h)
			}
		}
	})
}

// FuzzAWSRequest builds a record from arbitrary AWS-mode requests: it is
// always a valid record, and no value of a sensitive member survives.
func FuzzAWSRequest(f *testing.F) {
	f.Add("POST", "iam.amazonaws.com", "/", "", "application/x-www-form-urlencoded", "", "Action=CreateUser&UserName=bob&Tags.member.1.Key=k&Password=SECRETVALUE")
	f.Add("PUT", "b.s3.amazonaws.com", "/k", "policy&X-Amz-Signature=SECRETVALUE", "", "", `{"Statement":[]}`)
	f.Add("POST", "sqs.us-east-1.amazonaws.com", "/", "", "application/x-amz-json-1.0", "AmazonSQS.SendMessage", `{"QueueUrl":"q","MessageBody":"m","token":"SECRETVALUE"}`)
	f.Add("GET", "s3.amazonaws.com", "/b/k%ZZ", "X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request", "", "", "")
	f.Add("POST", "x", "/", "Action=A&A.1.member.2=x&A.member=y&A..=z", "", "", "")
	f.Fuzz(func(t *testing.T, method, host, path, query, contentType, target, body string) {
		rec := &Recorder{cfg: Config{AWS: true, Region: "us-east-1", EventSource: "x.example.com"}, maxBody: 1 << 10}
		c := &call{rec: rec, method: method, host: host, path: path, rawQuery: query, contentType: contentType, target: target,
			authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam/aws4_request", remoteAddr: "192.0.2.1:1",
			req: []byte(body), reqLen: int64(len(body)), reqDone: true, status: 200, end: time.Now()}
		checkRecord(t, c.appendRecord(nil))
	})
}

// FuzzBodies builds records from arbitrary bodies and error answers of a
// non-AWS API.
func FuzzBodies(f *testing.F) {
	f.Add("/orders?a=1&token=SECRETVALUE", `{"password":"SECRETVALUE","x":[{"apiKey":"SECRETVALUE"}]}`, 201, `{"secret":"SECRETVALUE"}`)
	f.Add("/orders?token=a&token=b", `{"body":0}`, 200, `{}`)
	f.Add("/orders", `[1,2`, 400, `{"error":{"code":"Bad","message":"no"}}`)
	f.Add("/orders", "\xff\xfe", 500, `<Error><Code>X</Code></Error>`)
	f.Add("/orders", `{"a":"\u2028","b":"\ud800"}`, 200, `{"apiKey":"SECRETVALUE","value":1}`)
	f.Fuzz(func(t *testing.T, path, body string, status int, resp string) {
		if status < 100 || status > 999 {
			return
		}
		rt, _ := NewRoutes([]Route{{Method: "POST", Path: "/orders", Name: "CreateOrder"}})
		rec := &Recorder{cfg: Config{EventSource: "x.example.com", Region: "us-east-1"}, maxBody: 256}
		u, err := url.Parse(path)
		if err != nil {
			return
		}
		c := &call{rec: rec, method: "POST", host: "h", path: u.EscapedPath(), rawQuery: u.RawQuery, contentType: "application/json",
			remoteAddr: "192.0.2.1:1", userAgent: body, req: []byte(body), reqLen: int64(len(body)), reqDone: true,
			status: status, resp: []byte(resp), respLen: int64(len(resp)), respType: "application/json", end: time.Now()}
		if len(body) > rec.maxBody {
			c.req = c.req[:rec.maxBody]
		}
		if len(resp) > rec.maxBody {
			c.resp = c.resp[:rec.maxBody]
		}
		r, _ := http.NewRequest("POST", "http://h"+u.EscapedPath(), nil)
		if r != nil {
			c.op, c.named = rt.Operation(r)
		}
		checkRecord(t, c.appendRecord(nil))
	})
}

// checkRecord fails unless b is a record in cloudtrail.Record's own form
// without the seeds' secret.
func checkRecord(t *testing.T, b []byte) {
	t.Helper()
	if !json.Valid(b) {
		t.Fatalf("record is not JSON: %s", b)
	}
	var r cloudtrail.Record
	if err := r.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if r.EventName == "" || r.EventSource == "" || r.EventID == "" {
		t.Fatalf("record misses fields: %s", b)
	}
	for _, field := range []json.RawMessage{r.RequestParameters, r.ResponseElements} {
		checkHidden(t, field)
	}
}

// checkHidden fails unless every sensitive member of the JSON value b
// is hidden (but a tag's key).
func checkHidden(t *testing.T, b []byte) { t.Helper(); checkHiddenAWS(t, b, false) }

// checkHiddenAWS is checkHidden for a document redacted as an AWS
// service's, where an object named credentials is redacted member by
// member rather than hidden whole.
func checkHiddenAWS(t *testing.T, b []byte, aws bool) {
	t.Helper()
	// Numbers stay text: 1E700 is valid JSON but no float64.
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			isTag := false // a {"key":…,"value":…} pair, its names in any case
			for k := range v {
				isTag = isTag || strings.EqualFold(k, "value")
			}
			for k, x := range v {
				_, isObject := x.(map[string]any)
				if Sensitive(k) && x != cloudtrail.Hidden && !(isTag && strings.EqualFold(k, "key")) && !(aws && isObject && strings.EqualFold(k, "credentials")) {
					t.Fatalf("member %q kept %v in %s", k, x, b)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
}

func FuzzRedaction(f *testing.F) {
	f.Add(`{"a":{"password":"x"},"b":[{"token":1}]}`)
	f.Add(`{"key":"k","value":"v","x":{"Key":"s"}}`)
	f.Add(`"\u0000\ud83d\ude00"`)
	f.Add(` [ ] `)
	f.Add(`{"credentials":{"accessKeyId":"A","sessionToken":"t"}}`)
	f.Add(`{"Value":"v","Type":"SecureString"}`)
	f.Fuzz(func(t *testing.T, in string) {
		if !json.Valid([]byte(in)) {
			return
		}
		aws := len(in)%3 == 0
		out := rewrite{lowerKeys: len(in)%2 == 0, aws: aws}.appendJSON(nil, []byte(in))
		if !json.Valid(out) {
			t.Fatalf("output is not JSON: %s from %s", out, in)
		}
		checkHiddenAWS(t, out, aws)
	})
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b\\c", "\x00\x1f\u2028", "\xff", "héllo", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := tb.AppendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q → %s: %v", s, b, err)
		}
		var want strings.Builder
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			want.WriteRune(r) // U+FFFD for each invalid byte
			i += n
		}
		if got != want.String() {
			t.Fatalf("%q → %q, want %q", s, got, want.String())
		}
	})
}

func FuzzParseFrame(f *testing.F) {
	var b []byte
	b = appendFrame(b, "src", "dt", func(d []byte) []byte { return append(d, `{}`...) })
	f.Add(b)
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, n, err := parseFrame(b)
		if err == nil && (n > len(b) || len(c.Record) == 0) {
			t.Fatalf("frame %+v of %d bytes from %d", c, n, len(b))
		}
	})
}

func FuzzSourceIP(f *testing.F) {
	f.Add("10.0.0.1:1", "198.51.100.1, 10.0.0.2", `for="[2001:db8::1]:80"`)
	f.Add("garbage", "", "for=unknown")
	f.Fuzz(func(t *testing.T, remote, xff, fwd string) {
		c := &call{rec: &Recorder{cfg: Config{TrustedProxies: trustedForFuzz}}, remoteAddr: remote, forwardedFor: xff, forwarded: fwd}
		_ = c.sourceIP()
	})
}

var trustedForFuzz = mustPrefixes("10.0.0.0/8", "::1/128")
