using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DistNN.Training.Tests;

/// <summary>
/// A stand-in for the Kubernetes API's pod list (plain HTTP on loopback): every GET is answered with the pods given, as
/// the API server answers /api/v1/namespaces/NS/pods; the first <c>slowFirst</c> requests only after <c>delay</c>.
/// </summary>
internal sealed class FakeKubernetesApi : IDisposable
{
    private readonly HttpListener _listener = new();

    private readonly string _body;

    private readonly TimeSpan _delay;

    private int _slowLeft;

    public FakeKubernetesApi(IEnumerable<string> pods, int slowFirst = 0, TimeSpan delay = default)
    {
        _body = $$"""{"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [{{string.Join(", ", pods)}}]}""";
        _slowLeft = slowFirst;
        _delay = delay;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
        }
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string Url { get; }

    /// <summary>Each request's path and query, unescaped.</summary>
    public ConcurrentQueue<string> Asked { get; } = new();

    /// <summary>A pod of the cluster: labelled part-of=<paramref name="partOf"/>, its container's ports remoting and data.</summary>
    public static string Pod(string name, string phase, string? ip, int remotingPort, string partOf = "distnn-spec")
    {
        string podIp = ip is null ? "" : $", \"podIP\": \"{ip}\"";
        return "{\"metadata\": {\"name\": \"" + name + "\", \"labels\": {\"app.kubernetes.io/part-of\": \"" + partOf + "\"}}, "
            + "\"spec\": {\"containers\": [{\"name\": \"node\", \"ports\": [{\"name\": \"remoting\", \"containerPort\": " + remotingPort + "}, "
            + "{\"name\": \"data\", \"containerPort\": 5053}]}]}, \"status\": {\"phase\": \"" + phase + "\"" + podIp + "}}";
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        Asked.Enqueue(Uri.UnescapeDataString(context.Request.Url!.PathAndQuery));
        if (Interlocked.Decrement(ref _slowLeft) >= 0)
        {
            await Task.Delay(_delay);
        }
        try
        {
            byte[] body = Encoding.UTF8.GetBytes(_body);
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // The client gave up waiting (its lookup timed out): nothing to answer.
        }
    }

    public void Dispose() => _listener.Close();
}
