package main

import (
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// BenchmarkQueues measures the built-in queues as SQS clients see them:
// 8 or 32 concurrent aws-sdk-go-v2 sqs clients (in this process, sharing its two
// cores with the server) send b.N messages of 200 bytes, one per
// SendMessage or ten per SendMessageBatch, then receive them ten at a time
// and delete each batch with DeleteMessageBatch. It reports messages per
// second each way, with the default disk sync (every write) and with
// syncing every two minutes.
//
//	go test -run '^$' -bench Queues -benchtime 60000x ./cmd/trailbridge
func BenchmarkQueues(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(serveGCPercent()))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(serveProcs()))
	for _, clients := range []int{8, 32} {
		for _, batch := range []int{1, 10} {
			for _, sync := range []string{"always", "2m"} {
				b.Run(fmt.Sprintf("clients=%d/batch=%d/sync=%s", clients, batch, sync), func(b *testing.B) { benchQueues(b, clients, batch, sync) })
			}
		}
	}
}

func benchQueues(b *testing.B, clients, batch int, syncMode string) {
	a, err := startApp(b.Context(), benchOptions(b, b.TempDir(), syncMode), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	q := sqsClient(a.URL)
	url := must(q.CreateQueue(b.Context(), &sqs.CreateQueueInput{QueueName: aws.String("bench")})).QueueUrl
	body := aws.String(fmt.Sprintf("%0200d", 7))

	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			c := sqsClient(a.URL)
			for {
				first := next.Add(int64(batch)) - int64(batch)
				if first >= int64(b.N) {
					return
				}
				n := min(int64(batch), int64(b.N)-first)
				if batch == 1 {
					must(c.SendMessage(b.Context(), &sqs.SendMessageInput{QueueUrl: url, MessageBody: body}))
					continue
				}
				entries := make([]sqstypes.SendMessageBatchRequestEntry, n)
				for i := range entries {
					entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: body}
				}
				if out := must(c.SendMessageBatch(b.Context(), &sqs.SendMessageBatchInput{QueueUrl: url, Entries: entries})); len(out.Failed) > 0 {
					panic(fmt.Sprint("SendMessageBatch: ", out.Failed))
				}
			}
		})
	}
	wg.Wait()
	sent := time.Since(start)

	start = time.Now()
	var got, calls atomic.Int64
	for range clients {
		wg.Go(func() {
			c := sqsClient(a.URL)
			for got.Load() < int64(b.N) {
				out := must(c.ReceiveMessage(b.Context(), &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1}))
				calls.Add(1)
				if len(out.Messages) == 0 {
					continue
				}
				entries := make([]sqstypes.DeleteMessageBatchRequestEntry, len(out.Messages))
				for i, m := range out.Messages {
					entries[i] = sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle}
				}
				if d := must(c.DeleteMessageBatch(b.Context(), &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: entries})); len(d.Failed) > 0 {
					panic(fmt.Sprint("DeleteMessageBatch: ", d.Failed))
				}
				got.Add(int64(len(out.Messages)))
			}
		})
	}
	wg.Wait()
	received := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/sent.Seconds(), "sent/s")
	b.ReportMetric(float64(got.Load())/received.Seconds(), "received+deleted/s")
	b.ReportMetric(float64(got.Load())/float64(calls.Load()), "msgs/receive")
}
