using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// A node's link to one server node's data plane: the connection in use and the requests on it still waiting for their
/// replies (per route — one actor talking to one server — a pull, or the parts of one push, outstanding at a time). Nothing here waits
/// on the caller's thread: a connection is opened in the background on first use and again after a drop; messages told
/// meanwhile are sent once it is open. Requests lost with a dropped connection are sent again on the next one — safe,
/// since a server applies a (worker, step) once and a pull only reads. If no connection opens after five attempts (about
/// 2 s), or an attempt is refused (nothing listens there: the server node's process is gone, and trying again cannot
/// bring it back), each requester gets <see cref="TensorRequestFailed"/>; the next message tries again.
/// </summary>
internal sealed class DataPlaneLink
{
    /// <summary>Waits before each attempt to connect (about 2 s in all).</summary>
    private static readonly TimeSpan[] s_backoff =
        [TimeSpan.Zero, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(1)];

    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A request awaiting its reply; <see cref="SentOn"/> is null until a connection carried it.</summary>
    private sealed record Request(string Target, IActorRef Requester, object Message, DataPlaneCredential? Credential, DataPlaneConnection? SentOn);

    private readonly DataPlaneAddress _address;
    private string? _localSocket;
    private readonly DataPlaneTransport _transport;
    private readonly object _gate = new();
    private readonly Dictionary<(int Route, int Part), Request> _outstanding = [];
    private readonly List<((int Route, int Part) Key, FrameWriter? Frame)> _unsent = [];
    private DataPlaneConnection? _connection;
    private bool _connecting;

    public DataPlaneLink(string endpoint, DataPlaneTransport transport)
    {
        _address = DataPlaneAddress.Parse(endpoint);
        _localSocket = transport.Options.LocalSocket && _address.IsLocal ? _address.SocketPath : null;
        Endpoint = endpoint;
        _transport = transport;
    }

    public string Endpoint { get; }

    /// <summary>
    /// Sends <paramref name="message"/> to <paramref name="target"/> on the server node with the sender's
    /// <paramref name="credential"/>; replies go to <paramref name="sender"/>.
    /// </summary>
    public void Send(string target, IActorRef? sender, object message, DataPlaneCredential? credential)
    {
        bool replied = sender is not null && !sender.IsNobody();
        int route = replied ? _transport.Routes.RouteOf(sender!, target) : 0;
        bool request = replied && message is PushGradients or PullWeights;
        var key = (route, PartOf(message));
        DataPlaneConnection? connection;
        lock (_gate)
        {
            connection = _connection is { IsOpen: true } open ? open : null;
            if (request)
            {
                _outstanding[key] = new Request(target, sender!, message, credential, connection);
            }
            if (connection is null)
            {
                // A request is written from its message once connected (its values stay untouched until its reply);
                // anything else is written now, owning its bytes.
                _unsent.Add((key, request ? null : Materialized(target, route, message, credential)));
                StartConnecting();
                return;
            }
        }
        // A frame lost because the connection closes meanwhile is sent again from the outstanding requests.
        Write(connection, target, route, sender, message, credential);
    }

    /// <summary>A reply arrived on <paramref name="route"/>: the request it answers is no longer outstanding.</summary>
    public void Answered(int route, object reply)
    {
        lock (_gate)
        {
            var key = (route, PartOf(reply));
            if (_outstanding.TryGetValue(key, out Request? r) && Answers(reply, r.Message))
            {
                _outstanding.Remove(key);
            }
        }
    }

    /// <summary>Closes the connection in use, as a network failure would (for specs).</summary>
    public void Drop() => _ = Volatile.Read(ref _connection)?.DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => Volatile.Read(ref _connection)?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>Which of a route's outstanding requests a message is or answers: a push's part (0 when whole), or a pull (-1).</summary>
    private static int PartOf(object message) => message switch
    {
        PushGradients p => p.Part,
        PushReply r => r.Part,
        _ => -1,
    };

    private static bool Answers(object reply, object request) => (reply, request) switch
    {
        (PushReply r, PushGradients p) => r.Step == p.Step,
        (WeightsReply r, PullWeights p) => r.RequestId == p.RequestId,
        _ => false,
    };

    private FrameWriter Materialized(string target, int route, object message, DataPlaneCredential? credential)
    {
        FrameWriter frame = MessageFrame.Create(_transport.Serializer, target, route, message, credential);
        frame.Materialize();
        return frame;
    }

    private void Write(DataPlaneConnection connection, string target, int route, IActorRef? requester, object message,
        DataPlaneCredential? credential)
    {
        FrameWriter frame = MessageFrame.Create(_transport.Serializer, target, route, message, credential);
        _transport.Counters.CountSent(requester, frame.PayloadLength);
        Send(connection, frame);
    }

    private void Send(DataPlaneConnection connection, FrameWriter frame)
    {
        try
        {
            connection.Send(frame);
            _transport.Counters.FrameSent();
        }
        catch (InvalidOperationException e)
        {
            _transport.Log.Warning("tensor data plane: a message to {0} was dropped: {1}", Endpoint, e.Message);
        }
    }

    /// <summary>Starts the background connect unless one is under way (call holding the gate).</summary>
    private void StartConnecting()
    {
        if (!_connecting)
        {
            _connecting = true;
            _ = Task.Run(ConnectAsync);
        }
    }

    private async Task ConnectAsync()
    {
        string? failure = null;
        bool refused = false;
        foreach (TimeSpan wait in s_backoff)
        {
            await Task.Delay(wait).ConfigureAwait(false);
            if (_transport.IsStopping)
            {
                break;
            }
            DataPlaneConnection connection;
            try
            {
                using var timeout = new CancellationTokenSource(s_connectTimeout);
                connection = await OpenAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ArgumentException
                or System.Security.Authentication.AuthenticationException)
            {
                failure = e is OperationCanceledException ? $"no connection within {s_connectTimeout.TotalSeconds:0} s" : e.Message;
                // A ps node listens for as long as its process lives: a refusal means that process is gone (a paused
                // one's socket still accepts), so the requests fail now instead of after the other attempts.
                refused = IsRefused(e);
                if (refused)
                {
                    break;
                }
                continue;
            }
            Connected(connection);
            return;
        }
        GiveUp(failure ?? "the node is stopping", refused);
    }

    /// <summary>Whether <paramref name="e"/> (or an exception inside it) is a refused connection.</summary>
    private static bool IsRefused(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A connection to the server: over its local socket while that works (a server on this host), else over TCP; a local
    /// socket that cannot be reached (another container, a file system this process does not see) is logged once and left.
    /// </summary>
    private async Task<DataPlaneConnection> OpenAsync(CancellationToken cancellationToken)
    {
        FrameHandler onFrame = (c, payload) => _transport.Dispatcher.OnFrame(c, payload, this);
        FramePlacement placement = (c, start) => _transport.Dispatcher.Place(c, start, this);
        if (_localSocket is { } path)
        {
            try
            {
                return await DataPlaneClient.ConnectAsync(new UnixDomainSocketEndPoint(path), onFrame, _transport.Options,
                    cancellationToken, _address.Host, placement).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                _localSocket = null;
                _transport.Log.Warning("tensor data plane: the local socket {0} of {1} cannot be reached ({2}); using TCP",
                    path, _address.Tcp, e.Message);
            }
        }
        return await DataPlaneClient.ConnectAsync(_address.Host, _address.Port, onFrame, _transport.Options, cancellationToken,
            placement).ConfigureAwait(false);
    }

    /// <summary>Sends what waited for this connection, in order, then the requests a dropped connection lost.</summary>
    private void Connected(DataPlaneConnection connection)
    {
        _transport.Counters.Opened(connection);
        _transport.Log.Info("tensor data plane: connected to {0}{1}", _address.Tcp,
            connection.IsLocalSocket ? $" over its local socket {_address.SocketPath}" : "");
        var unsent = new List<((int Route, int Part) Key, FrameWriter? Frame, Request? Request)>();
        lock (_gate)
        {
            _connection = connection;
            _connecting = false;
            foreach (var (key, frame) in _unsent)
            {
                unsent.Add((key, frame, frame is null ? Take(key, connection) : null));
            }
            _unsent.Clear();
            foreach (var key in _outstanding.Keys.ToList())
            {
                if (_outstanding[key].SentOn is { } lost && lost != connection)
                {
                    unsent.Add((key, null, Take(key, connection)));
                }
            }
        }
        _ = connection.Completion.ContinueWith(_ => OnClosed(connection), TaskScheduler.Default);
        foreach (var (key, frame, request) in unsent)
        {
            if (frame is not null)
            {
                Send(connection, frame);
            }
            else if (request is not null)
            {
                Write(connection, request.Target, key.Route, request.Requester, request.Message, request.Credential);
            }
        }
    }

    /// <summary>The outstanding request <paramref name="key"/>, now carried by <paramref name="connection"/> (gate held).</summary>
    private Request? Take((int Route, int Part) key, DataPlaneConnection connection)
    {
        if (!_outstanding.TryGetValue(key, out Request? request) || request.SentOn == connection)
        {
            return null; // answered, or already sent on this connection
        }
        _outstanding[key] = request with { SentOn = connection };
        return request;
    }

    private void OnClosed(DataPlaneConnection closed)
    {
        _transport.Counters.Closed(closed);
        if (_transport.IsStopping)
        {
            return;
        }
        lock (_gate)
        {
            if (_outstanding.Values.Any(r => r.SentOn == closed))
            {
                _transport.Log.Info("tensor data plane: connection to {0} dropped ({1}); sending its outstanding requests again",
                    Endpoint, closed.CloseReason);
                StartConnecting();
            }
        }
    }

    /// <summary>
    /// No connection could be opened (<paramref name="refused"/>: the last attempt was refused): every request waiting for
    /// one fails, other messages are dropped.
    /// </summary>
    private void GiveUp(string reason, bool refused)
    {
        List<Request> failed;
        List<FrameWriter> dropped;
        lock (_gate)
        {
            _connecting = false;
            failed = _outstanding.Values.Where(r => r.SentOn is null || !r.SentOn.IsOpen).ToList();
            foreach (var key in _outstanding.Where(o => failed.Contains(o.Value)).Select(o => o.Key).ToList())
            {
                _outstanding.Remove(key);
            }
            dropped = _unsent.Where(u => u.Frame is not null).Select(u => u.Frame!).ToList();
            _unsent.Clear();
        }
        foreach (FrameWriter frame in dropped)
        {
            frame.Dispose();
        }
        _transport.Log.Warning("tensor data plane: cannot connect to {0}: {1}", Endpoint, reason);
        foreach (Request request in failed)
        {
            string why = request.SentOn is { } lost
                ? $"the tensor data-plane connection to {Endpoint} dropped ({lost.CloseReason}) and could not be opened again: {reason}"
                : $"cannot connect to the tensor data plane at {Endpoint}: {reason}";
            request.Requester.Tell(new TensorRequestFailed(why, Endpoint, refused), ActorRefs.NoSender);
        }
    }
}
