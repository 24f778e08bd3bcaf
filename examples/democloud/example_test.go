package democloud_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/examples/democloud"
)

func post(url, target, body string) string {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

func Example() {
	cloud := democloud.New(democloud.Options{Now: func() time.Time { return time.Unix(1741082400, 0) }})
	srv := httptest.NewServer(cloud)
	defer srv.Close()

	fmt.Println(post(srv.URL, "AWSIdentityManagementV20100508.CreateUser", `{"UserName":"alice"}`))
	fmt.Println(post(srv.URL, "AWSIdentityManagementV20100508.CreateUser", `{"UserName":"alice"}`))

	// Scenario 5's throttling: the next call of RunInstances fails.
	cloud.Throttle("RunInstances", 1)
	fmt.Println(post(srv.URL, "AmazonEC2.RunInstances", `{"ImageId":"ami-1","MinCount":1,"MaxCount":1}`))

	u, _ := cloud.User("alice")
	fmt.Println(u.ARN, u.Disabled())
	// Output:
	// 200 {"User":{"Path":"/","UserName":"alice","UserId":"AIDA4IQKQOL3DXG27HMTE","Arn":"arn:aws:iam::000000000000:user/alice","CreateDate":1741082400}}
	// 409 {"__type":"EntityAlreadyExists","message":"User with name alice already exists."}
	// 503 {"__type":"RequestLimitExceeded","message":"Request limit exceeded."}
	// arn:aws:iam::000000000000:user/alice false
}
