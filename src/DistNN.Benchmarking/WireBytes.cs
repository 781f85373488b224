using DistNN.Nn.Models;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using DistNN.Training.Engine;
using DistNN.Training.Parameters;

namespace DistNN.Benchmarking;

/// <summary>
/// One push of a whole model's gradient: raw float32 bytes, the encoded values' bytes, the serialized
/// <see cref="PushGradients"/> as Akka.Remote's pieces carry it, and the whole data-plane frame as it goes on the socket.
/// </summary>
public sealed record WireBytesResult(string Model, string Compression, long RawBytes, long EncodedBytes, long MessageBytes,
    long FrameBytes, double Ratio);

/// <summary>
/// Bytes one push of a model's gradient takes on the wire, per compression: the worker's own path (the
/// <see cref="GradientCompressor"/> and the push it builds) written by the protocol serializer into a real data-plane
/// frame, and read back to check that it decodes to the worker's values.
/// </summary>
public static class WireBytes
{
    public static IEnumerable<WireBytesResult> Measure(string modelName, ModelSpec spec, int batch, IEnumerable<string> compressions)
    {
        var model = ModelBuilder.Build(spec, 0);
        var step = new ReplicaStep(model, ModelBuilder.CreateLoss(spec.Loss));
        var data = StepBenchmark.RandomMnistShaped(batch, 1);
        step.Run(data, Enumerable.Range(0, batch).ToArray());
        var layout = ParameterLayout.For(model, 1);
        var trainable = layout.Chunks.Where(c => !c.IsState).ToList();
        long raw = trainable.Sum(c => 4L * c.Length);
        var serializer = new ProtocolSerializer(null, ProtocolMessageRegistry.Default, ProtocolLimits.Default, LimitViolations.Shared);
        foreach (var name in compressions)
        {
            var compressor = GradientCompressor.For(Protocol.Codecs.Compression.Parse(name));
            var gradients = new List<ChunkValues>();
            long encoded = 0;
            foreach (var chunk in trainable)
            {
                // Compress a copy: every compression sees the same gradient.
                float[] gradient = layout.GradientOf(chunk).ToArray();
                var values = new ChunkValues(chunk.Id, 0, gradient) { Encoded = compressor?.Apply(chunk, gradient) };
                encoded += values.Encoded?.Bytes ?? 4L * chunk.Length;
                gradients.Add(values);
            }
            var push = new PushGradients("worker-0", 1, 1, 0, batch, 0, gradients, []);
            using var frame = new FrameWriter();
            MessageFrame.Write(frame, serializer, "/user/ps-0", 1, push);
            long frameBytes = frame.Frame.Length;
            var read = (PushGradients)MessageFrame.Read(new System.Buffers.ReadOnlySequence<byte>(frame.Payload), serializer,
                ProtocolLimits.Default).Message;
            Check(gradients, read.Gradients, name);
            using var alone = new FrameWriter();
            serializer.Write(alone, push);
            yield return new WireBytesResult(modelName, name, raw, encoded, alone.PayloadLength, frameBytes,
                Math.Round((double)frameBytes / raw, 4));
        }
    }

    /// <summary>The frame must decode to exactly the worker's values, or the figures would measure a broken path.</summary>
    private static void Check(IReadOnlyList<ChunkValues> sent, IReadOnlyList<ChunkValues> received, string compression)
    {
        for (int i = 0; i < sent.Count; i++)
        {
            if (!System.Runtime.InteropServices.MemoryMarshal.AsBytes(sent[i].Values.Span)
                    .SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(received[i].Values.Span)))
            {
                throw new InvalidOperationException($"{compression}: chunk {sent[i].ChunkId} decoded differently from the worker's values");
            }
        }
    }
}
