namespace DistNN.Training.Accounting;

/// <summary>
/// A worker's incarnation: a random number made when the worker starts, so that a worker restarted under the same name
/// is told from its previous life (whose last step and pending pushes the servers must not hold against it).
/// </summary>
public static class Incarnation
{
    /// <summary>A new, non-zero incarnation (zero is what a message without one carries).</summary>
    public static long New()
    {
        long value;
        do
        {
            value = BitConverter.ToInt64(Guid.NewGuid().ToByteArray());
        }
        while (value == 0);
        return value;
    }

    /// <summary>The worker as logs name it: "w1#3fa2c1d0".</summary>
    public static string Name(string worker, long incarnation) => $"{worker}#{(uint)incarnation:x8}";
}
