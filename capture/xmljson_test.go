package capture

import (
	"testing"
)

func TestQueryAnswerJSON(t *testing.T) {
	for _, tc := range []struct{ name, xml, want string }{
		{"IAM CreateUser: result unwrapped, metadata dropped",
			`<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateUserResult><User><Path>/</Path><UserName>eve</UserName><UserId>AIDA1</UserId><Arn>arn:aws:iam::000000000000:user/eve</Arn></User></CreateUserResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></CreateUserResponse>`,
			`{"user":{"arn":"arn:aws:iam::000000000000:user/eve","path":"/","userId":"AIDA1","userName":"eve"}}`},
		{"EC2 RunInstances: item lists as items",
			`<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-2</requestId><reservationId>r-abc</reservationId><instancesSet><item><instanceId>i-1</instanceId><instanceState><code>0</code><name>pending</name></instanceState></item><item><instanceId>i-2</instanceId></item></instancesSet></RunInstancesResponse>`,
			`{"instancesSet":{"items":[{"instanceId":"i-1","instanceState":{"code":"0","name":"pending"}},{"instanceId":"i-2"}]},"requestId":"r-2","reservationId":"r-abc"}`},
		{"member lists as arrays",
			`<XResponse><XResult><Tags><member><Key>a</Key></member><member><Key>b</Key></member></Tags></XResult></XResponse>`,
			`{"tags":[{"key":"a"},{"key":"b"}]}`},
		{"nothing but metadata is null",
			`<DeleteUserResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteUserResponse>`, `null`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := queryAnswerJSON([]byte(tc.xml))
			if !ok || string(got) != tc.want {
				t.Errorf("got %s (%v), want %s", got, ok, tc.want)
			}
		})
	}
	for _, bad := range []string{``, `not xml`, `<a><b></a>`, `<a/><b/>`} {
		if _, ok := queryAnswerJSON([]byte(bad)); ok {
			t.Errorf("%q converted", bad)
		}
	}
}

func FuzzQueryAnswerJSON(f *testing.F) {
	f.Add([]byte(`<R><RResult><A>1</A></RResult></R>`))
	f.Add([]byte(`<R><s><item><x>1</x></item></s></R>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, ok := queryAnswerJSON(b)
		if ok && !jsonValid(out) {
			t.Fatalf("invalid JSON %q from %q", out, b)
		}
	})
}

func jsonValid(b []byte) bool { return len(b) > 0 && (string(b) == "null" || b[0] == '{') }
