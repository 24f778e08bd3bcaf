package democloud

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestThrottle(t *testing.T) {
	const (
		throttledJSON = `{"__type":"ThrottlingException","message":"Rate exceeded"}`
		limitedJSON   = `{"__type":"RequestLimitExceeded","message":"Request limit exceeded."}`
	)
	type call struct {
		target, in, header, key string
		status                  int
		want                    string // the answer; "" for any success
	}
	createUser := func(name string, status int, want string) call {
		return call{target: "AWSIdentityManagementV20100508.CreateUser", in: `{"UserName":"` + name + `"}`, status: status, want: want}
	}
	for _, tc := range []struct {
		name  string
		setup func(c *Cloud)
		calls []call
		users []string // the users that exist after the calls
	}{
		{
			name:  "next 2 calls of CreateUser: those fail, the third succeeds",
			setup: func(c *Cloud) { c.Throttle("CreateUser", 2) },
			calls: []call{createUser("a", 400, throttledJSON), createUser("a", 400, throttledJSON), createUser("a", 200, "")},
			users: []string{"a"},
		},
		{
			name:  "another operation throttled: CreateUser succeeds",
			setup: func(c *Cloud) { c.Throttle("RunInstances", 5) },
			calls: []call{createUser("a", 200, "")},
			users: []string{"a"},
		},
		{
			name:  "every operation until reset: fail, then succeed",
			setup: func(c *Cloud) { c.Throttle("", -1) },
			calls: []call{
				createUser("a", 400, throttledJSON),
				{target: "AmazonEC2.RunInstances", in: `{"ImageId":"ami-1","MinCount":1,"MaxCount":1}`, status: 503, want: limitedJSON},
				{target: "AmazonS3.CreateBucket", in: `{"Bucket":"b-1"}`, status: 400, want: throttledJSON},
				{target: "AmazonRDSv19.DescribeDBSnapshots", in: `{}`, status: 400, want: throttledJSON},
				{target: "reset"},
				createUser("b", 200, ""),
			},
			users: []string{"b"},
		},
		{
			name:  "one access key: its calls fail, another key's succeed",
			setup: func(c *Cloud) { c.ThrottleKey("AKIDNOISY", -1) },
			calls: []call{
				{target: "AWSIdentityManagementV20100508.CreateUser", in: `{"UserName":"a"}`, key: "AKIDNOISY", status: 400, want: throttledJSON},
				{target: "AWSIdentityManagementV20100508.CreateUser", in: `{"UserName":"b"}`, key: "AKIDQUIET", status: 200},
			},
			users: []string{"b"},
		},
		{
			name: "X-Demo-Throttle header: that call fails",
			calls: []call{
				{target: "AWSIdentityManagementV20100508.CreateUser", in: `{"UserName":"a"}`, header: "1", status: 400, want: throttledJSON},
				{target: "AmazonEC2.DescribeInstances", in: `{}`, header: "true", status: 503, want: limitedJSON},
				{target: "AWSIdentityManagementV20100508.CreateUser", in: `{"UserName":"b"}`, header: "0", status: 200},
			},
			users: []string{"b"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCloud()
			if tc.setup != nil {
				tc.setup(c)
			}
			for i, cl := range tc.calls {
				if cl.target == "reset" {
					c.Throttle("", 0)
					continue
				}
				r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(cl.in))
				r.Header.Set("X-Amz-Target", cl.target)
				key := cl.key
				if key == "" {
					key = "AKIDEMO"
				}
				prefix, _, _ := strings.Cut(cl.target, ".")
				r.Header.Set("Authorization", authorization(key, "us-east-1", signingNames[prefix]))
				if cl.header != "" {
					r.Header.Set(ThrottleHeader, cl.header)
				}
				w := httptest.NewRecorder()
				c.ServeHTTP(w, r)
				if got, want := w.Code, cl.status; got != want {
					t.Errorf("call %d: status: got %d, want %d", i, got, want)
				}
				if got, want := w.Body.String(), cl.want; want != "" && got != want {
					t.Errorf("call %d: answer: got %s, want %s", i, got, want)
				}
			}
			for _, n := range []string{"a", "b"} {
				if _, got := c.User(n); got != strings.Contains(strings.Join(tc.users, ","), n) {
					t.Errorf("user %s exists: %v", n, got)
				}
			}
		})
	}

	t.Run("query, EC2 and S3 REST protocols: their throttling errors", func(t *testing.T) {
		c := newTestCloud()
		c.Throttle("", -1)
		w := callQuery(t, c, "iam", "us-east-1", "Action=CreateUser&Version=2010-05-08&UserName=a")
		var q queryError
		decodeXML(t, w, &q)
		if w.Code != 400 || q.Code != "ThrottlingException" || q.Type != "Sender" {
			t.Errorf("query: %d %s", w.Code, w.Body)
		}
		w = callQuery(t, c, "ec2", "us-east-1", "Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=1&MaxCount=1")
		var e ec2Error
		decodeXML(t, w, &e)
		if w.Code != 503 || e.Code != "RequestLimitExceeded" {
			t.Errorf("ec2: %d %s", w.Code, w.Body)
		}
		w = callS3(t, c, "PUT", "/b-1", "")
		var s s3Error
		decodeXML(t, w, &s)
		if w.Code != 400 || s.Code != "ThrottlingException" || s.XMLName != (xml.Name{Local: "Error"}) {
			t.Errorf("s3: %d %s", w.Code, w.Body)
		}
		if _, ok := c.Bucket("b-1"); ok {
			t.Error("a throttled call created a bucket")
		}
	})
}
