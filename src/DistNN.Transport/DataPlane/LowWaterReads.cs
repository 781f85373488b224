using System.Net.Sockets;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// Blocking reads of a TCP socket that wake the reading thread once per large piece of a frame instead of once per
/// arriving segment. Loopback TCP delivers a 1.7 MB frame as ~26 segments of 64 KB, and a thread blocked in
/// <c>recv</c> is woken for each (each a switch that can preempt a compute thread). When the caller knows that
/// <c>due</c> more bytes of the frame are on their way, the read first raises the socket's low-water mark
/// (SO_RCVLOWAT) to min(due, the cap), waits in <c>poll</c> until that much has arrived (the kernel's
/// <c>tcp_data_ready</c> wakes the waiter only then, or when the receive window or memory runs short), puts the mark back
/// to 1 and reads everything there is. Headers and small frames are read with the mark at 1, as before.
/// <para>
/// Why <c>poll</c> and not a blocking <c>recv</c> with the mark raised: such a <c>recv</c> that finds some bytes already
/// queued copies them and then sleeps until a whole mark's worth arrives again, which the rest of the frame may never
/// make (Linux 6.18: 500 KB queued, mark 1 MB, 600 KB more: <c>recv</c> returns only at its timeout). <c>poll</c> counts
/// what is queued and nothing is consumed while it waits, so the mark is always reached; a timeout bounds the wait
/// anyway, after which the read goes on as an ordinary one.
/// </para>
/// Linux TCP only (the Unix domain socket wakes its reader per send whatever the mark, and its <c>poll</c> ignores it).
/// One reading thread at a time.
/// </summary>
internal sealed class LowWaterReads
{
    /// <summary>Below this many bytes due, a read is not gated: the mark's system calls would cost more than the wake-ups saved.</summary>
    public const int MinGatedBytes = 128 * 1024;

    private const int SolSocket = 1;
    private const int SoRcvLowat = 18;

    /// <summary>How long a gated read waits for the mark before reading whatever is there.</summary>
    private static readonly int s_pollMicroseconds = 200_000;

    private readonly Socket _socket;
    private readonly int _cap;
    private long _gated;

    /// <param name="capBytes">The largest mark set (at most half the socket's receive buffer); 0: reads are never gated.</param>
    public LowWaterReads(Socket socket, int capBytes)
    {
        _socket = socket;
        _cap = capBytes >= MinGatedBytes && OperatingSystem.IsLinux() && socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            && socket.ProtocolType == ProtocolType.Tcp
            ? capBytes
            : 0;
    }

    /// <summary>True when large reads are gated on this socket.</summary>
    public bool Enabled => _cap > 0;

    /// <summary>Reads that waited for a raised low-water mark.</summary>
    public long GatedReads => Interlocked.Read(ref _gated);

    /// <summary>
    /// Reads into <paramref name="into"/>, as <see cref="Socket.Receive(Span{byte}, SocketFlags)"/>; <paramref name="due"/>
    /// bytes are certain to arrive (the rest of a frame being read), so the thread may sleep until most of them have.
    /// </summary>
    public int Receive(Span<byte> into, int due)
    {
        int mark = Math.Min(Math.Min(due, _cap), into.Length);
        if (mark >= MinGatedBytes)
        {
            SetMark(mark);
            try
            {
                _socket.Poll(s_pollMicroseconds, SelectMode.SelectRead);
            }
            finally
            {
                SetMark(1);
            }
            Interlocked.Increment(ref _gated);
        }
        return _socket.Receive(into, SocketFlags.None);
    }

    /// <summary>The socket's low-water mark now (SO_RCVLOWAT), for tests.</summary>
    public int Mark
    {
        get
        {
            Span<byte> value = stackalloc byte[sizeof(int)];
            _socket.GetRawSocketOption(SolSocket, SoRcvLowat, value);
            return BitConverter.ToInt32(value);
        }
    }

    private void SetMark(int bytes)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(value, bytes);
        _socket.SetRawSocketOption(SolSocket, SoRcvLowat, value);
    }
}
