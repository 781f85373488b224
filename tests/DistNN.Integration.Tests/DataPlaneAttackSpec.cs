using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Akka.Actor;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using DistNN.Transport.DataPlane;
using DistNN.Transport.Security;

namespace DistNN.Integration.Tests;

/// <summary>
/// The attacks of issue 14 against a real cluster (sync mode, 1 coordinator, 1 ps, 2 workers): a third worker beyond the
/// plan, and raw frames on the ps's data plane during training — with plain TCP, and with mutual TLS on both planes where
/// the attacker also holds a certificate of the cluster's CA without being a registered worker. Each is refused; the run
/// ends with the weights of the same run without attacks (the same test accuracy and loss), every node exits 0.
/// </summary>
public sealed class DataPlaneAttackSpec(DataPlaneAttackSpec.CleanRun clean) : IClassFixture<DataPlaneAttackSpec.CleanRun>, IDisposable
{
    private static readonly TimeSpan s_start = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(4);

    private readonly NodeGroup _group = new("distnn-attack-");

    [Fact]
    public void Every_attack_is_refused_and_training_ends_with_the_clean_runs_weights()
    {
        using var attacked = Run(_group, "attacked", attack: true, certs: null);

        AssertCleanWeightsAndRefusals(attacked, "attacked");
    }

    [Fact]
    public void With_tls_a_plain_peer_is_closed_at_the_handshake_a_certified_stranger_is_refused_and_training_ends_with_the_clean_runs_weights()
    {
        string certs = Path.Combine(_group.Dir, "certs");
        var (exit, output) = Repository.Run(Path.Combine(Repository.Root, "scripts", "make-certs.sh"),
            [certs, "coordinator", "ps", "w0", "w1", "w2", "stranger"], TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, output);

        using var attacked = Run(_group, "tls", attack: true, certs);

        var ps = AssertCleanWeightsAndRefusals(attacked, "tls");
        Assert.Contains("(Handshake; further refusals", ps.Output);
    }

    /// <summary>The clean run's weights, workers and the refusals of every attack, the first of each kind logged by the ps.</summary>
    private NodeProcess AssertCleanWeightsAndRefusals(JsonDocument attacked, string name)
    {
        var ps = _group.All.Single(n => n.Label == name + "-ps");
        var coordinator = _group.All.Single(n => n.Label == name + "-coordinator");
        Assert.Equal(clean.TestAccuracy, attacked.RootElement.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(clean.TestLoss, attacked.RootElement.GetProperty("test_loss").GetDouble());
        Assert.Equal(2, attacked.RootElement.GetProperty("workers").GetInt32());
        // Whichever of the three registered last.
        Assert.Single(coordinator.Output.Split('\n'), line => line.Contains("refused: the plan's 2 workers are registered"));
        // Pull without a credential, pushes with a forged one (step 10^12, NaN, no chunks); LeaveCluster and a pull to /user/node.
        Assert.Contains("(Credential; further refusals", ps.Output);
        Assert.Contains("(MessageType; further refusals", ps.Output);
        Assert.Contains("(Target; further refusals", ps.Output);
        return ps;
    }

    /// <summary>
    /// A cluster run, on mutual TLS with the certificates in <paramref name="certs"/>; with <paramref name="attack"/> a
    /// third worker starts with the others and the raw frames come during epoch 1.
    /// </summary>
    private static JsonDocument Run(NodeGroup group, string name, bool attack, string? certs)
    {
        string mnist = Mnist.RequireDir();
        string summaryPath = Path.Combine(group.Dir, name + ".json");
        int port = NodeProcess.FreePort();
        int dataPort = NodeProcess.FreePort();
        string seed = $"{(certs is null ? "akka.tcp" : "akka.ssl.tcp")}://distnn@127.0.0.1:{port}";
        string[] Tls(string node) => certs is null ? [] :
            ["--tls-cert", Path.Combine(certs, node + ".pem"), "--tls-key", Path.Combine(certs, node + ".key"), "--tls-ca", Path.Combine(certs, "ca.pem")];
        var coordinator = group.Start(name + "-coordinator", ["--role", "coordinator", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--seed", seed, "--threads", "1", "--no-progress", "--servers", "1", "--workers", "2", "--epochs", "3", "--train-limit", "3200",
            "--data-dir", mnist, "--summary-json", summaryPath, .. Tls("coordinator")]);
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), group.Diagnostics());
        group.Start(name + "-ps", ["--role", "ps", "--seed", seed, "--threads", "1", "--data-port", dataPort.ToString(CultureInfo.InvariantCulture), .. Tls("ps")]);
        group.Start(name + "-w0", ["--role", "worker", "--seed", seed, "--name", "w0", "--data-dir", mnist, "--threads", "1", .. Tls("w0")]);
        group.Start(name + "-w1", ["--role", "worker", "--seed", seed, "--name", "w1", "--data-dir", mnist, "--threads", "1", .. Tls("w1")]);
        if (attack)
        {
            group.Start(name + "-w2", ["--role", "worker", "--seed", seed, "--name", "w2", "--data-dir", mnist, "--threads", "1", .. Tls("w2")]);
            Assert.True(coordinator.WaitForLine("epoch 1/3", s_start), group.Diagnostics());
            if (certs is null)
            {
                Attack((frame, _) => SendPlain(dataPort, frame));
            }
            else
            {
                // Plain TCP on the TLS data plane (closed at the handshake), then every frame from a certificate of the
                // cluster's CA that no registered worker holds.
                Attack((frame, _) => SendPlain(dataPort, frame));
                var stranger = TemporaryCertificates.Load(certs, "stranger");
                Attack((frame, what) => SendTls(dataPort, stranger, frame, what));
            }
        }
        var exits = NodeGroup.WaitForExits(group.All.Where(n => n.Label.StartsWith(name + "-", StringComparison.Ordinal)), s_run);
        Assert.True(exits.All(e => e == 0), $"exit codes {string.Join(", ", exits)}\n{group.Diagnostics()}");
        return JsonDocument.Parse(File.ReadAllText(summaryPath));
    }

    /// <summary>The issue's frames, each on a connection of its own through <paramref name="send"/>, as a Python socket sent them.</summary>
    private static void Attack(Action<FrameWriter, string> send)
    {
        using var system = ActorSystem.Create("attacker");
        var serializer = new ProtocolSerializer((ExtendedActorSystem)system);
        var forged = DataPlaneCredential.Issue(DataPlaneCredential.NewKey(), "w0");
        PushGradients Push(long step, float value, bool chunks = true) =>
            new("w0", step, 1, 0, 64, 0, chunks ? [new ChunkValues(0, 0, Enumerable.Repeat(value, 16).ToArray())] : [], []);
        void Send(string target, object message, DataPlaneCredential? credential)
        {
            var frame = new FrameWriter();
            MessageFrame.Write(frame, serializer, target, 1, message, credential);
            send(frame, $"{message.GetType().Name} to {target}");
        }
        Send("/user/node/ps", new PullWeights(1), null);
        Send("/user/node/ps", Push(1_000_000_000_000, 0.5f), forged);
        Send("/user/node/ps", Push(2, float.NaN), forged);
        Send("/user/node/ps", Push(3, 0f, chunks: false), forged);
        Send("/user/node", new LeaveCluster("attack", true), forged);
        Send("/user/node", new PullWeights(2), forged);
    }

    /// <summary>Writes <paramref name="frame"/> on plain TCP and waits (briefly) for the server to close the connection.</summary>
    private static void SendPlain(int port, FrameWriter frame)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 5000 };
        socket.Connect("127.0.0.1", port);
        using (frame)
        {
            socket.Send(frame.Frame.Span);
        }
        try
        {
            while (socket.Receive(new byte[4096]) > 0)
            {
            }
        }
        catch (SocketException)
        {
        }
    }

    /// <summary>Writes <paramref name="frame"/> on mutual TLS as <paramref name="tls"/>'s certificate and asserts that the server closes the connection.</summary>
    private static void SendTls(int port, NodeTls tls, FrameWriter frame, string what)
    {
        var connection = DataPlaneClient.ConnectAsync("127.0.0.1", port, (_, _) => Assert.Fail($"the ps answered {what} from a stranger"),
            DataPlaneOptions.Default with { Tls = tls }).GetAwaiter().GetResult();
        try
        {
            connection.SendAsync(frame).AsTask().GetAwaiter().GetResult();
            Assert.True(connection.Completion.Wait(TimeSpan.FromSeconds(10)), $"the ps kept the connection open after {what}");
        }
        finally
        {
            connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    public void Dispose() => _group.Dispose();

    /// <summary>The run without attacks both specs compare with (sync mode: TLS or not, the same weights).</summary>
    public sealed class CleanRun : IDisposable
    {
        private readonly NodeGroup _group = new("distnn-clean-");

        public CleanRun()
        {
            using var summary = Run(_group, "clean", attack: false, certs: null);
            TestAccuracy = summary.RootElement.GetProperty("test_accuracy").GetDouble();
            TestLoss = summary.RootElement.GetProperty("test_loss").GetDouble();
        }

        public double TestAccuracy { get; }

        public double TestLoss { get; }

        public void Dispose() => _group.Dispose();
    }
}
