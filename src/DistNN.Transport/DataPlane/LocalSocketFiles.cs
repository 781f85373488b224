using System.Net.Sockets;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// The socket files of data-plane servers on this host ("distnn-dp-PID-RANDOM.sock"). A server removes its own when it
/// stops or its process exits; one whose process was killed stays, and the next server in the directory removes it: a
/// file whose process is gone and on which nothing listens (a connect is refused).
/// </summary>
internal static class LocalSocketFiles
{
    public const string Prefix = "distnn-dp-";

    public static void RemoveStale(string directory)
    {
        try
        {
            foreach (string path in Directory.EnumerateFiles(directory, Prefix + "*.sock").Take(256))
            {
                string[] parts = Path.GetFileName(path)[Prefix.Length..].Split('-');
                if (parts.Length == 2 && int.TryParse(parts[0], out int pid) && !Directory.Exists($"/proc/{pid}") && NobodyListens(path))
                {
                    Delete(path);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Removes a socket file if it is there; one that cannot be removed is left (nothing else to do about it).</summary>
    public static void Delete(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static bool NobodyListens(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return false;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode == SocketError.ConnectionRefused;
        }
    }
}
