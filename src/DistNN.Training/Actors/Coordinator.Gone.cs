using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Akka.Remote;

namespace DistNN.Training.Actors;

/// <summary>
/// A node whose process is gone, found without waiting for traffic to it or for the failure detector: when the
/// coordinator's node loses its Akka.Remote association with a node of the run (<see cref="DisassociatedEvent"/>, or
/// <see cref="AssociationErrorEvent"/> when a new one fails), the coordinator opens a TCP connection to that node's
/// remoting endpoint. A refusal proves nothing listens there, so its process is gone (a paused process's listening socket
/// still accepts; a timeout proves nothing): the node is downed and what it held is handled as a data plane's refusal is
/// (<see cref="OnNodeGone"/>). One probe at a time per address, none to this node, none once the run is over, none to a
/// member leaving normally. distnn.failures.gone-probe-timeout (0: off).
/// </summary>
public sealed partial class Coordinator
{
    /// <summary>A probe of a node's remoting endpoint answered (Refused: its process is gone). Never on the wire.</summary>
    private sealed record ProbeAnswered(Address Address, EndpointProbe.Answer Answer) : INoSerializationVerificationNeeded;

    /// <summary>Addresses with a probe in flight.</summary>
    private readonly HashSet<Address> _probing = [];

    /// <summary>Listens for lost associations when the system has Akka.Remote and the probe is on.</summary>
    private void WatchAssociations()
    {
        if (Context.System is ExtendedActorSystem { Provider: IRemoteActorRefProvider } && ProbeTimeout > TimeSpan.Zero)
        {
            Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
            Context.System.EventStream.Subscribe(Self, typeof(AssociationErrorEvent));
        }
    }

    private TimeSpan ProbeTimeout => Configuration.FailureSettings.From(Context.System.Settings.Config).GoneProbeTimeout;

    /// <summary>The handlers of the phases in which a node's loss matters (registering, training, recovering).</summary>
    private void ReceiveGoneNodes()
    {
        Receive<DisassociatedEvent>(e => Probe(e.RemoteAddress, "disassociated"));
        Receive<AssociationErrorEvent>(e => Probe(e.RemoteAddress, "association error"));
        Receive<ProbeAnswered>(OnProbeAnswered);
    }

    private void Probe(Address address, string lost)
    {
        if (address.Host is not { } host || address.Port is not int port || !MayBeGone(address) || !_probing.Add(address))
        {
            return;
        }
        _log.Info("the association with {0} was lost ({1}): probing its remoting endpoint", address, lost);
        EndpointProbe.ConnectAsync(host, port, ProbeTimeout).PipeTo(Self, success: answer => new ProbeAnswered(address, answer));
    }

    private void OnProbeAnswered(ProbeAnswered answered)
    {
        _probing.Remove(answered.Address);
        _log.Info("probe of {0}: {1}", answered.Address, answered.Answer);
        if (answered.Answer == EndpointProbe.Answer.Refused && MayBeGone(answered.Address))
        {
            OnNodeGone(answered.Address, $"Akka remoting endpoint at {answered.Address.Host}:{answered.Address.Port}");
        }
    }

    /// <summary>
    /// Whether <paramref name="address"/> is another node holding a live part of this run that is not leaving normally:
    /// the run is not over, the node is not this one, it holds a server, standby or worker not seen stopped nor interrupted
    /// by a signal, and (in a cluster) it is a member still up or joining.
    /// </summary>
    private bool MayBeGone(Address address)
    {
        if (_done.Task.IsCompleted || address.Equals(((ExtendedActorSystem)Context.System).Provider.DefaultAddress) || !NodeMembers(address).Any())
        {
            return false;
        }
        if (Context.System is not ExtendedActorSystem { Provider: Akka.Cluster.IClusterActorRefProvider })
        {
            return true;
        }
        var member = Akka.Cluster.Cluster.Get(Context.System).State.Members.FirstOrDefault(m => m.Address.Equals(address));
        return member?.Status is Akka.Cluster.MemberStatus.Up or Akka.Cluster.MemberStatus.WeaklyUp or Akka.Cluster.MemberStatus.Joining;
    }

    /// <summary>The run's actors on the node at <paramref name="address"/> not seen stopped: servers, standbys and candidates, workers not interrupted.</summary>
    private IEnumerable<IActorRef> NodeMembers(Address address) =>
        _servers.Concat(_standbys.Servers).Concat(_candidates.Select(c => c.Server)).Where(s => !_seenStopped.Contains(s))
            .Concat(_workers.Where(w => !_interrupted.Contains(w.Key)).Select(w => w.Value))
            .Where(a => a.Path.Address.Equals(address)).Distinct();

    /// <summary>
    /// The node at <paramref name="address"/> is gone: its <paramref name="endpoint"/> refused a connection. It is downed
    /// (one line naming what it held and why) and each of its actors is handled as stopped, now rather than when the
    /// failure detector has found it unreachable and the split-brain resolver has downed it (they are unwatched: that
    /// later stop is no news): a server is replaced, or the run fails; a worker's unfinished batches go to the others.
    /// <paramref name="only"/>: the one server named, when <paramref name="address"/> is this process's own (a run in one
    /// process, whose actors share one address).
    /// </summary>
    private void OnNodeGone(Address address, string endpoint, IActorRef? only = null)
    {
        var members = only is not null && address.HasLocalScope ? [only] : NodeMembers(address).ToList();
        if (members.Count == 0)
        {
            return;
        }
        var servers = members.Select(m => _servers.IndexOf(m)).Where(i => i >= 0).ToList();
        var workers = _workers.Where(w => members.Contains(w.Value)).Select(w => w.Key).ToList();
        var held = servers.Select(i => $"parameter server {i}").Concat(workers.Select(w => $"worker {w}")).ToList();
        var gone = new GoneNode(address, GoneWhy(held.Count > 0 ? string.Join(" and ", held) : "a standby parameter server", endpoint));
        Down(gone);
        foreach (var member in members)
        {
            Context.Unwatch(member);
        }
        foreach (int index in servers)
        {
            var server = _servers[index];
            _seenStopped.Add(server);
            string lost = $"parameter server {index} ({server.Path}) is gone (its {endpoint} refused a connection)";
            if (_recovery is not null)
            {
                LostWhileRecovering(index, lost);
                Advance();
            }
            else if (!ReplacesServers)
            {
                Fail($"{lost}; its chunks' weights are lost", gone);
                return;
            }
            else
            {
                OnServerLost(index, server, lost);
            }
        }
        foreach (var member in members.Where(m => !_servers.Contains(m)))
        {
            if (_recovery is not null)
            {
                OnStoppedWhileRecovering(member);
            }
            else
            {
                OnStopped(member);
            }
        }
    }

    /// <summary>Why a node is known gone: <c>the node of WHAT, whose ENDPOINT refused a connection: its process is gone</c>.</summary>
    private static string GoneWhy(string what, string endpoint) => $"the node of {what}, whose {endpoint} refused a connection: its process is gone";
}

/// <summary>A TCP connection opened to an endpoint to learn whether anything listens there.</summary>
public static class EndpointProbe
{
    /// <summary>Accepted: something listens (maybe a paused process); Refused: nothing does; NoAnswer: neither within the timeout (or no such host).</summary>
    public enum Answer
    {
        Accepted,
        Refused,
        NoAnswer,
    }

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> within <paramref name="timeout"/>, then closes at once.</summary>
    public static async Task<Answer> ConnectAsync(string host, int port, TimeSpan timeout)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(host, port, cancel.Token);
            return Answer.Accepted;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return Answer.Refused;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return Answer.NoAnswer;
        }
    }
}
