namespace DistNN.Protocol.Ownership;

/// <summary>Reused arrays a message's chunk values are read into, lent to that message under <see cref="Loan"/>.</summary>
public interface IValueArrays
{
    /// <summary>The array of <paramref name="length"/> floats for chunk <paramref name="chunk"/>.</summary>
    float[] Get(int chunk, int length);

    /// <summary>Until when the message's receiver may read them.</summary>
    Loan Loan { get; }
}
