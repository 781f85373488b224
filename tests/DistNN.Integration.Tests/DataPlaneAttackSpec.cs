using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Akka.Actor;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;

namespace DistNN.Integration.Tests;

/// <summary>
/// The attacks of issue 14 against a real cluster (plain TCP, sync mode, 1 coordinator, 1 ps, 2 workers): a third
/// worker beyond the plan, and raw frames on the ps's data plane during training. Each is refused; the run ends with
/// the weights of the same run without attacks (the same test accuracy and loss), every node exits 0.
/// </summary>
public sealed class DataPlaneAttackSpec : IDisposable
{
    private static readonly TimeSpan s_start = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(4);

    private readonly NodeGroup _group = new("distnn-attack-");

    [Fact]
    public void Every_attack_is_refused_and_training_ends_with_the_clean_runs_weights()
    {
        using var clean = Run("clean", attack: false);
        using var attacked = Run("attacked", attack: true);

        var ps = _group.All.Single(n => n.Label == "attacked-ps");
        var coordinator = _group.All.Single(n => n.Label == "attacked-coordinator");
        Assert.Equal(clean.RootElement.GetProperty("test_accuracy").GetDouble(), attacked.RootElement.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(clean.RootElement.GetProperty("test_loss").GetDouble(), attacked.RootElement.GetProperty("test_loss").GetDouble());
        Assert.Equal(2, attacked.RootElement.GetProperty("workers").GetInt32());
        // Whichever of the three registered last.
        Assert.Single(coordinator.Output.Split('\n'), line => line.Contains("refused: the plan's 2 workers are registered"));
        // Pull without a credential, pushes with a forged one (step 10^12, NaN, no chunks); LeaveCluster and a pull to /user/node.
        Assert.Contains("(Credential; further refusals", ps.Output);
        Assert.Contains("(MessageType; further refusals", ps.Output);
        Assert.Contains("(Target; further refusals", ps.Output);
    }

    /// <summary>A cluster run; with <paramref name="attack"/> a third worker starts with the others and the raw frames come during epoch 1.</summary>
    private JsonDocument Run(string name, bool attack)
    {
        string mnist = Mnist.RequireDir();
        string summaryPath = Path.Combine(_group.Dir, name + ".json");
        int port = NodeProcess.FreePort();
        int dataPort = NodeProcess.FreePort();
        string seed = $"akka.tcp://distnn@127.0.0.1:{port}";
        var coordinator = _group.Start(name + "-coordinator", "--role", "coordinator", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--seed", seed, "--threads", "1", "--no-progress", "--servers", "1", "--workers", "2", "--epochs", "3", "--train-limit", "3200",
            "--data-dir", mnist, "--summary-json", summaryPath);
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), _group.Diagnostics());
        _group.Start(name + "-ps", "--role", "ps", "--seed", seed, "--threads", "1", "--data-port", dataPort.ToString(CultureInfo.InvariantCulture));
        _group.Start(name + "-w0", "--role", "worker", "--seed", seed, "--name", "w0", "--data-dir", mnist, "--threads", "1");
        _group.Start(name + "-w1", "--role", "worker", "--seed", seed, "--name", "w1", "--data-dir", mnist, "--threads", "1");
        if (attack)
        {
            _group.Start(name + "-w2", "--role", "worker", "--seed", seed, "--name", "w2", "--data-dir", mnist, "--threads", "1");
            Assert.True(coordinator.WaitForLine("epoch 1/3", s_start), _group.Diagnostics());
            Attack(dataPort);
        }
        var exits = NodeGroup.WaitForExits(_group.All.Where(n => n.Label.StartsWith(name + "-", StringComparison.Ordinal)), s_run);
        Assert.True(exits.All(e => e == 0), $"exit codes {string.Join(", ", exits)}\n{_group.Diagnostics()}");
        return JsonDocument.Parse(File.ReadAllText(summaryPath));
    }

    /// <summary>The issue's frames, each on a connection of its own, as a Python socket sent them.</summary>
    private static void Attack(int dataPort)
    {
        using var system = ActorSystem.Create("attacker");
        var serializer = new ProtocolSerializer((ExtendedActorSystem)system);
        var forged = DataPlaneCredential.Issue(DataPlaneCredential.NewKey(), "w0");
        PushGradients Push(long step, float value, bool chunks = true) =>
            new("w0", step, 1, 0, 64, 0, chunks ? [new ChunkValues(0, 0, Enumerable.Repeat(value, 16).ToArray())] : [], []);
        Send(dataPort, serializer, "/user/node/ps", new PullWeights(1), null);
        Send(dataPort, serializer, "/user/node/ps", Push(1_000_000_000_000, 0.5f), forged);
        Send(dataPort, serializer, "/user/node/ps", Push(2, float.NaN), forged);
        Send(dataPort, serializer, "/user/node/ps", Push(3, 0f, chunks: false), forged);
        Send(dataPort, serializer, "/user/node", new LeaveCluster("attack", true), forged);
        Send(dataPort, serializer, "/user/node", new PullWeights(2), forged);
    }

    /// <summary>Writes one frame and waits (briefly) for the server to close the connection.</summary>
    private static void Send(int port, ProtocolSerializer serializer, string target, object message, DataPlaneCredential? credential)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 5000 };
        socket.Connect("127.0.0.1", port);
        using (var frame = new FrameWriter())
        {
            MessageFrame.Write(frame, serializer, target, 1, message, credential);
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

    public void Dispose() => _group.Dispose();
}
