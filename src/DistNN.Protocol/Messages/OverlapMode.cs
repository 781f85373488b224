namespace DistNN.Protocol.Messages;

/// <summary>Whether a worker pushes each layer's gradients while its backward pass goes on, and to which servers.</summary>
public enum OverlapMode
{
    /// <summary>One push per server after the whole backward pass.</summary>
    Off,

    /// <summary>In parts, as the backward pass finishes each layer, to servers on other nodes (one push to a server in the worker's own process, where there is no network to hide).</summary>
    Remote,

    /// <summary>In parts to every server, in the worker's own process too (for tests and measurements of the protocol in one process).</summary>
    All,
}
