using System.Net.Sockets;
using DistNN.Protocol.DataPlane;
using DistNN.Protocol.Messages;

namespace DistNN.Training.Carriers;

/// <summary>
/// A worker node's link to one server node's data plane: the connection in use, opened on first use and opened again
/// after it drops, and the requests on it still waiting for their replies (one per route: a route is one actor talking
/// to one server, and the push-pull protocol has one request of each outstanding at a time).
/// When a connection drops with requests outstanding, they are sent again on a new connection. That is safe: a server
/// applies a push once per (worker, step) — a repeat is answered with the weights, or, while the first one's reply is
/// still held back (a sync round, the ssp bound), answered once, when due, on the new connection — and a pull only
/// reads. If no new connection can be opened, each requester gets <see cref="TensorRequestFailed"/> (a worker then
/// reports TrainingFailed), and the next request tries to connect again.
/// </summary>
internal sealed class DataPlaneLink(TensorCarrier carrier, string endpoint)
{
    /// <summary>Waits between attempts to reconnect for the outstanding requests (about 2 s in all).</summary>
    private static readonly TimeSpan[] s_backoff =
        [TimeSpan.Zero, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(1)];

    private sealed record Outstanding(string Target, object Message, DataPlaneConnection SentOn);

    private readonly object _gate = new();
    private readonly Dictionary<int, Outstanding> _outstanding = [];
    private DataPlaneConnection? _connection;

    public string Endpoint => endpoint;

    /// <summary>The connection in use, if any.</summary>
    public DataPlaneConnection? Current => Volatile.Read(ref _connection);

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> on the server node; replies come back on <paramref name="route"/>.</summary>
    public void Tell(string target, int route, object message)
    {
        bool request = route != 0 && IsRequest(message); // without a sender no reply is awaited
        DataPlaneConnection connection;
        try
        {
            connection = Connection();
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException or ObjectDisposedException)
        {
            string reason = $"cannot connect to the tensor data plane at {endpoint}: {e.Message}";
            if (request)
            {
                carrier.FailRequest(route, reason);
            }
            else
            {
                carrier.LogDropped(endpoint, reason);
            }
            return;
        }
        if (request)
        {
            lock (_gate)
            {
                _outstanding[route] = new Outstanding(target, message, connection);
            }
        }
        // A frame lost because the connection closes meanwhile is sent again from the outstanding requests.
        carrier.WriteAndSend(connection, target, route, message);
    }

    /// <summary>A reply arrived on <paramref name="route"/>: the request it answers is no longer outstanding.</summary>
    public void Answered(int route, object reply)
    {
        lock (_gate)
        {
            if (_outstanding.TryGetValue(route, out Outstanding? o) && Answers(reply, o.Message))
            {
                _outstanding.Remove(route);
            }
        }
    }

    private static bool IsRequest(object message) => message is PushGradients or PullWeights;

    private static bool Answers(object reply, object request) => (reply, request) switch
    {
        (PushReply r, PushGradients p) => r.Step == p.Step,
        (WeightsReply r, PullWeights p) => r.RequestId == p.RequestId,
        _ => false,
    };

    private DataPlaneConnection Connection()
    {
        lock (_gate)
        {
            if (_connection is { IsOpen: true } open)
            {
                return open;
            }
            DataPlaneConnection connection = carrier.Open(endpoint);
            _connection = connection;
            _ = connection.Completion.ContinueWith(_ => OnClosedAsync(connection), TaskScheduler.Default).Unwrap();
            return connection;
        }
    }

    private async Task OnClosedAsync(DataPlaneConnection closed)
    {
        carrier.Retire(closed);
        if (carrier.IsStopping)
        {
            return;
        }
        foreach (TimeSpan wait in s_backoff)
        {
            List<(int Route, Outstanding Request)> lost;
            lock (_gate)
            {
                lost = _outstanding.Where(o => o.Value.SentOn == closed).Select(o => (o.Key, o.Value)).ToList();
            }
            if (lost.Count == 0 || carrier.IsStopping)
            {
                return;
            }
            await Task.Delay(wait).ConfigureAwait(false);
            DataPlaneConnection connection;
            try
            {
                connection = Connection();
            }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException or ObjectDisposedException)
            {
                carrier.LogDropped(endpoint, $"reconnecting after '{closed.CloseReason}' failed: {e.Message}");
                continue;
            }
            foreach (var (route, request) in lost)
            {
                lock (_gate)
                {
                    // Answered or replaced by a newer request meanwhile: nothing to resend.
                    if (!_outstanding.TryGetValue(route, out Outstanding? current) || current != request)
                    {
                        continue;
                    }
                    _outstanding[route] = request with { SentOn = connection };
                }
                carrier.WriteAndSend(connection, request.Target, route, request.Message);
            }
            carrier.LogResent(endpoint, lost.Count, closed.CloseReason);
            return;
        }
        List<int> failed;
        lock (_gate)
        {
            failed = _outstanding.Where(o => o.Value.SentOn == closed).Select(o => o.Key).ToList();
            foreach (int route in failed)
            {
                _outstanding.Remove(route);
            }
        }
        foreach (int route in failed)
        {
            carrier.FailRequest(route,
                $"the tensor data-plane connection to {endpoint} dropped ({closed.CloseReason}) and could not be opened again");
        }
    }
}
