namespace DistNN.Protocol.Ownership;

/// <summary>
/// Who may use a set of arrays: its <see cref="Owner"/> writes them, each write making a new <see cref="Version"/>;
/// others read them through a <see cref="Loan"/>. A loan from <see cref="Lend"/> names its holder, and the owner may
/// not write until every holder has given its loan back (<see cref="Return"/>); a loan from <see cref="Current"/>
/// holds no one up and ends at the owner's next write. Using an ended loan, or writing while a holder still has one,
/// throws <see cref="InvalidOperationException"/>. Lend, Return and writes happen on the owner's thread; a loan may be
/// checked on any thread (one volatile read).
/// </summary>
public sealed class Lease(string owner)
{
    private readonly HashSet<string> _holders = [];
    private long _version;

    public string Owner { get; } = owner;

    /// <summary>The version of the arrays' values; a write makes the next one.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>Those who hold a loan the owner must wait for.</summary>
    public IReadOnlyCollection<string> Holders => _holders;

    /// <summary>A loan that ends at the owner's next write (the reader copies or serializes the values before).</summary>
    public Loan Current => new(this, Version, null);

    /// <summary>A loan to <paramref name="holder"/>: the owner writes again only after <see cref="Return"/>.</summary>
    public Loan Lend(string holder)
    {
        _holders.Add(holder);
        return new Loan(this, Version, holder);
    }

    /// <summary><paramref name="holder"/> is done with what it was lent (nothing if it holds nothing).</summary>
    public void Return(string holder) => _holders.Remove(holder);

    /// <summary>
    /// The owner is about to write: throws while a holder has a loan, else ends every loan of the current version.
    /// </summary>
    public void BeginWrite()
    {
        if (_holders.Count > 0)
        {
            throw new InvalidOperationException(
                $"{Owner} wrote arrays it has lent to {string.Join(", ", _holders)} (version {Version}) before they were returned");
        }
        Interlocked.Increment(ref _version);
    }
}

/// <summary>Values of <see cref="Lease"/> at <see cref="Version"/>, lent to <see cref="Holder"/> (null: until the next write).</summary>
public readonly record struct Loan(Lease Lease, long Version, string? Holder)
{
    /// <summary>True while the values are still those of this loan's version.</summary>
    public bool IsValid => Lease.Version == Version;

    /// <summary>Throws <see cref="InvalidOperationException"/> once the owner has written the arrays since this loan.</summary>
    public void EnsureValid()
    {
        long now = Lease.Version;
        if (now != Version)
        {
            throw new InvalidOperationException(
                $"values lent by {Lease.Owner} at version {Version} were used after their return (the arrays are at version {now}); "
                + "take or copy them before the owner writes again");
        }
    }
}
