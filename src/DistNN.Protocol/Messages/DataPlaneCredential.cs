using System.Security.Cryptography;
using System.Text;
using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>
/// Who sends a request on the tensor data plane: a name (a worker's, or the evaluator's) and the run key's HMAC-SHA256
/// of it. The coordinator makes a random key per run, gives it to the servers in <see cref="InitServer"/> and to each
/// actor it registered its own credential (<see cref="InitWorker"/>, <see cref="InitEvaluator"/>), over Akka.Remote.
/// </summary>
[MessagePackObject]
public sealed record DataPlaneCredential([property: Key(0)] string Name, [property: Key(1)] byte[] Mac)
{
    /// <summary>Bytes of a run key.</summary>
    public const int KeyBytes = 32;

    /// <summary>A fresh random run key.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyBytes);

    /// <summary>The credential of <paramref name="name"/> under <paramref name="key"/>.</summary>
    public static DataPlaneCredential Issue(byte[] key, string name) => new(name, HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(name)));

    /// <summary>True when <see cref="Mac"/> is the HMAC of <see cref="Name"/> under <paramref name="key"/> (compared in constant time).</summary>
    public bool IsIssuedUnder(byte[] key) =>
        Mac is { Length: HMACSHA256.HashSizeInBytes } && CryptographicOperations.FixedTimeEquals(Mac, HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Name)));
}
