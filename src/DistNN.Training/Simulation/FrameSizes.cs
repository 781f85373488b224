using DistNN.Protocol.Framing;
using DistNN.Protocol.Serialization;

namespace DistNN.Training.Simulation;

/// <summary>
/// The bytes a message takes on the simulated wire: its whole data-plane frame as <see cref="MessageFrame"/> writes it
/// (large values held by reference, so only their length is counted, not copied).
/// </summary>
internal sealed class FrameSizes(ProtocolSerializer serializer)
{
    /// <summary>The number the data plane gives a (sender, server) route; one for every link here (a small integer either way).</summary>
    public const int Route = 1;

    public long Of(object message, string target)
    {
        using var frame = MessageFrame.Create(serializer, target, Route, message);
        return FrameWriter.HeaderBytes + frame.PayloadLength;
    }
}
