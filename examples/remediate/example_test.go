package remediate_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/trailbridge/trailbridge/examples/democloud"
	"github.com/trailbridge/trailbridge/examples/remediate"
)

func ExampleRun() {
	cloud := democloud.New(democloud.Options{})
	srv := httptest.NewServer(cloud) // in the scenarios: the interceptor in front of it
	defer srv.Close()

	// Someone creates a user (the scenario's CloudTrail record of it is in
	// testdata/create-user.json).
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"UserName":"backdoor"}`))
	req.Header.Set("X-Amz-Target", "AWSIdentityManagementV20100508.CreateUser")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()

	event, err := os.Open("testdata/create-user.json")
	if err != nil {
		log.Fatal(err)
	}
	defer event.Close()
	env := map[string]string{
		"DEMO_ENDPOINT":         srv.URL,
		"AWS_ACCESS_KEY_ID":     "AKIAREMEDIATE",
		"AWS_SECRET_ACCESS_KEY": "secret",
		"ALLOWED_PRINCIPALS":    "arn:aws:iam::000000000000:user/admin",
	}
	err = remediate.Run(context.Background(), "disable-user", event, os.Stdout, func(k string) string { return env[k] })
	if err != nil {
		log.Fatal(err)
	}
	u, _ := cloud.User("backdoor")
	fmt.Println("disabled:", u.Disabled())
	// Output:
	// {"function":"disable-user","acted":true,"reason":"user backdoor was created by arn:aws:iam::000000000000:user/intern, not an allowed principal: disabled","calls":[{"operation":"AttachUserPolicy","region":"us-east-1","resources":["backdoor","arn:aws:iam::aws:policy/AWSDenyAll"]},{"operation":"DeleteLoginProfile","region":"us-east-1","resources":["backdoor"],"error":"NoSuchEntity"}]}
	// disabled: true
}

func ExampleNames() {
	fmt.Println(remediate.Names())
	// Output: [copy-snapshot disable-user revert-bucket-policy stop-untagged]
}
