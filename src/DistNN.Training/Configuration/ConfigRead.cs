using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace DistNN.Training.Configuration;

/// <summary>
/// Reads a key that reference.conf defines: a missing or malformed key is an error naming it, never a default written
/// here a second time.
/// </summary>
public static class ConfigRead
{
    public static string String(Config config, string path) => Get(config, path, () => config.GetString(path));

    public static int Int(Config config, string path) => Get(config, path, () => config.GetInt(path));

    public static long Bytes(Config config, string path) =>
        Get(config, path, () => config.GetByteSize(path) ?? throw new ConfigurationException($"configuration key {path} is not a size in bytes"));

    public static bool Bool(Config config, string path) => Get(config, path, () => config.GetBoolean(path));

    public static TimeSpan Duration(Config config, string path) => Get(config, path, () => config.GetTimeSpan(path));

    public static IReadOnlyList<string> Strings(Config config, string path) =>
        Get(config, path, () => (IReadOnlyList<string>)config.GetStringList(path).ToList());

    /// <summary>The path of every value (not object) in <paramref name="config"/>, e.g. distnn.node.host.</summary>
    public static IEnumerable<string> LeafPaths(Config config) => config.IsEmpty ? [] : Leaves("", config.Root);

    private static IEnumerable<string> Leaves(string prefix, HoconValue value) => value.IsObject()
        ? value.GetObject().Items.SelectMany(kv => Leaves(prefix.Length == 0 ? kv.Key : prefix + "." + kv.Key, kv.Value))
        : [prefix];

    private static T Get<T>(Config config, string path, Func<T> read)
    {
        if (!config.HasPath(path))
        {
            throw new ConfigurationException($"configuration key {path} is missing (reference.conf defines it)");
        }
        try
        {
            return read();
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"configuration key {path}: {e.Message}");
        }
    }
}
