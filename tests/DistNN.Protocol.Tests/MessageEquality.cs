using System.Collections;
using DistNN.Protocol.Messages;

namespace DistNN.Protocol.Tests;

/// <summary>
/// Field-by-field equality of two messages (records compare lists by reference, which says nothing after a round
/// trip): lists element by element, chunk values bitwise, everything else with Equals (NaN equals NaN).
/// </summary>
internal static class MessageEquality
{
    public static void AssertSame(object expected, object actual, string path = "message")
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual}");
                return;
            case ChunkValues e:
                {
                    var a = Assert.IsType<ChunkValues>(actual);
                    Assert.True((e.ChunkId, e.Version) == (a.ChunkId, a.Version), $"{path}: ({a.ChunkId}, {a.Version}) ≠ ({e.ChunkId}, {e.Version})");
                    Assert.True(TestData.BitwiseEqual(e.Values.Span, a.Values.Span), $"{path}: values differ");
                    return;
                }
            case string or Akka.Actor.IActorRef:
                Assert.True(Equals(expected, actual), $"{path}: expected {expected}, got {actual}");
                return;
            case IEnumerable list:
                {
                    var e = list.Cast<object>().ToList();
                    var a = Assert.IsAssignableFrom<IEnumerable>(actual).Cast<object>().ToList();
                    Assert.True(e.Count == a.Count, $"{path}: {a.Count} elements, expected {e.Count}");
                    for (int i = 0; i < e.Count; i++)
                    {
                        AssertSame(e[i], a[i], $"{path}[{i}]");
                    }
                    return;
                }
            case IDistNNMessage or PlanMessage or ModelMessage or LayerMessage or OptimizerMessage or ScheduleMessage
                or AugmentationMessage or CompressionMessage:
                Assert.Equal(expected.GetType(), actual.GetType());
                foreach (var property in expected.GetType().GetProperties())
                {
                    AssertSame(property.GetValue(expected)!, property.GetValue(actual)!, $"{path}.{property.Name}");
                }
                return;
            default:
                Assert.True(Equals(expected, actual), $"{path}: expected {expected}, got {actual}");
                return;
        }
    }
}
